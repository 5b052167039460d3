// The model's side of the Pyodide transport: a module worker that loads
// Python (Pyodide) and micrograd's wheel from this site, then answers each
// request with micrograd.explorer.Explorer().handle. Running here, off the
// page's thread, training never freezes the page.
import { loadPyodide } from "../vendor/pyodide/pyodide.mjs";

const site = new URL("../", import.meta.url);

async function start() {
  const runtime = new URL("vendor/pyodide/", site).href;
  // Every file from this site: packageBaseUrl too, so no default host is kept.
  const pyodide = await loadPyodide({ indexURL: runtime, packageBaseUrl: runtime });
  const manifest = await fetchOk(new URL("micrograd-site.json", site)).then((r) => r.json());
  const wheel = await fetchOk(new URL(manifest.wheel, site)).then((r) => r.arrayBuffer());
  pyodide.unpackArchive(wheel, "wheel");
  return pyodide.runPython("from micrograd.explorer import Explorer\nExplorer().handle");
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.pathname}: ${response.status}`);
  return response;
}

const ready = start();
ready.then(
  () => self.postMessage({ ready: true }),
  (error) => self.postMessage({ failed: String(error && error.message ? error.message : error) }),
);

self.onmessage = async (event) => {
  const { id, request } = event.data;
  try {
    const handle = await ready;
    self.postMessage({ id, reply: handle(request) });
  } catch (error) {
    self.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
};
