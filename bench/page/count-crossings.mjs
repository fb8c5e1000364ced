// Counts every JS↔wasm crossing of the page's wasm instance: each call from JS into a wasm export (`toWasm`) and
// each call from wasm into a JS import (`toJs`). Import it before the package's init() runs: it wraps
// `WebAssembly.instantiate(Streaming)`, where wasm-bindgen's `--target web` glue hands over its imports object and
// from which it takes `instance.exports` as its `wasm`. Every function is wrapped whatever its name, so exports and
// imports that are renamed, added or removed are counted without a list to keep up to date.
export const crossings = {
  toWasm: 0,
  toJs: 0,
  /** `→wasm name` / `→js name` → calls since the last reset. */
  byName: new Map(),
  /** Instances wrapped (the package has one). */
  instances: 0,
};

export function resetCrossings() {
  crossings.toWasm = 0;
  crossings.toJs = 0;
  crossings.byName.clear();
}

/** The calls since the last reset, most frequent first: `[['→wasm name', n], …]`. */
export const crossingNames = () => [...crossings.byName].sort((a, b) => b[1] - a[1]);

function counted(fn, key, label) {
  return (...args) => {
    crossings[key]++;
    crossings.byName.set(label, (crossings.byName.get(label) ?? 0) + 1);
    return fn(...args);
  };
}

/** The same namespace with every function counted; memories, tables and globals passed through unchanged. */
function countAll(namespace, key, arrow) {
  const out = {};
  for (const [name, value] of Object.entries(namespace)) {
    out[name] = typeof value === 'function' ? counted(value, key, `${arrow} ${name}`) : value;
  }
  return out;
}

const countImports = (imports) =>
  imports && Object.fromEntries(Object.entries(imports).map(([module, ns]) => [module, countAll(ns, 'toJs', '→js')]));

/** An object the glue takes for the instance (it checks `instanceof WebAssembly.Instance`), exports counted. */
function countedInstance(instance) {
  crossings.instances++;
  const exports = countAll(instance.exports, 'toWasm', '→wasm');
  return Object.defineProperty(Object.create(WebAssembly.Instance.prototype), 'exports', { value: exports });
}

const countResult = (result) =>
  result instanceof WebAssembly.Instance ? countedInstance(result) : { ...result, instance: countedInstance(result.instance) };

const { instantiate, instantiateStreaming } = WebAssembly;
WebAssembly.instantiate = (source, imports, ...rest) =>
  instantiate.call(WebAssembly, source, countImports(imports), ...rest).then(countResult);
if (instantiateStreaming) {
  WebAssembly.instantiateStreaming = (source, imports, ...rest) =>
    instantiateStreaming.call(WebAssembly, source, countImports(imports), ...rest).then(countResult);
}
