let wasm;
/* The banner's start: `response` is the loader's fetch of the wasm, already
   under way. Streaming compilation needs `application/wasm`; a proxy that
   changes the type gets the slower path, not a missing banner. */
export default async function init(response) {
    const imports = __wbg_get_imports();
    const r = await response;
    if (!r.ok) throw new Error(`banner wasm: ${r.status}`);
    const { instance } = await WebAssembly.instantiateStreaming(r.clone(), imports)
        .catch(() => r.arrayBuffer().then((bytes) => WebAssembly.instantiate(bytes, imports)));
    wasm = instance.exports;
    cachedDataViewMemory0 = null;
    cachedUint8ArrayMemory0 = null;
    wasm.__wbindgen_start();
    return wasm;
}
