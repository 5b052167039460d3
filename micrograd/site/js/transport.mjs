// How the view talks to the model: `request(message) -> Promise<answer>`,
// the message and the answer plain objects (JSON on the way). This one runs
// the model in Pyodide in a worker; a notebook widget can give the same
// interface over its kernel, and the view does not change.
//
// The promise is never rejected: a request the worker could not answer is
// answered as the model answers bad input, {ok: false, error: {message}}, so
// a page shows it in place by the one path it has for errors.

export function pyodideTransport() {
  const worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  const waiting = new Map();
  let nextId = 0;
  let resolveReady, rejectReady;
  const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });

  function answer(id, reply) {
    const resolve = waiting.get(id);
    waiting.delete(id);
    resolve?.(reply);
  }

  worker.onmessage = (event) => {
    const message = event.data;
    if (message.ready) return resolveReady();
    if (message.failed !== undefined) return rejectReady(new Error(message.failed));
    answer(message.id, message.error !== undefined ? failure(message.error)
      : JSON.parse(message.reply));
  };
  worker.onerror = (event) => {
    const problem = event.message || "the Python worker failed";
    rejectReady(new Error(problem));
    for (const id of [...waiting.keys()]) answer(id, failure(problem));
  };

  function request(message) {
    return new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      worker.postMessage({ id, request: JSON.stringify(message) });
    });
  }

  return { ready, request };
}

function failure(problem) {
  const message = `micrograd's Python worker failed: ${problem}`;
  return { ok: false, error: { type: "WorkerError", message, field: null } };
}

// Wait for the model, saying so in the page's status line; false if it failed.
export async function started(model, status) {
  try {
    await model.ready;
  } catch (problem) {
    status.textContent = `micrograd could not start: ${problem.message}`;
    status.classList.add("failed");
    return false;
  }
  status.textContent = "";
  return true;
}
