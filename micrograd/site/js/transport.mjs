// How the view talks to the model: `request(message) -> Promise<reply>`,
// the message and the reply plain objects (JSON on the way). This one runs
// the model in Pyodide in a worker; a notebook widget can give the same
// interface over its kernel, and the view does not change.

export function pyodideTransport() {
  const worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  const waiting = new Map();
  let nextId = 0;
  let resolveReady, rejectReady;
  const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });

  worker.onmessage = (event) => {
    const message = event.data;
    if (message.ready) return resolveReady();
    if (message.failed !== undefined) return rejectReady(new Error(message.failed));
    const promise = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) promise.reject(new Error(message.error));
    else promise.resolve(JSON.parse(message.reply));
  };
  worker.onerror = (event) => rejectReady(new Error(event.message || "the Python worker failed"));

  function request(message) {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, request: JSON.stringify(message) });
    });
  }

  return { ready, request };
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
