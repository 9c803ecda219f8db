//! Trims wasm-bindgen's generated glue to what the banner uses.
//!
//! The glue is written for every kind of caller: `initSync`, deprecated
//! calling conventions with their warnings, a module given as bytes, URL or
//! `Request`, a fallback for servers without `application/wasm`, a polyfill
//! for browsers without `TextEncoder.encodeInto`, and a decoder reset for
//! Safari after 2 GB of text. The banner has one caller (the loader, which
//! hands over the wasm fetch already under way), runs only where ES
//! modules and wasm reference types are (every such browser has
//! `encodeInto`), and decodes a few kilobytes. Each cut names the exact
//! text it starts and ends at and the build fails unless both are found
//! once, so a wasm-bindgen upgrade cannot change what is cut silently.

/// `(first line of the cut, last line of the cut, what replaces it)`.
const CUTS: &[(&str, &str, &str)] = &[
    (
        "const MAX_SAFARI_DECODE_BYTES",
        "    return cachedTextDecoder.decode(bytes);\n}\n",
        "function decodeText(bytes) {\n    return cachedTextDecoder.decode(bytes);\n}\n",
    ),
    (
        "if (!('encodeInto' in cachedTextEncoder)) {",
        "\n    };\n}\n",
        "",
    ),
    (
        "let wasmModule, wasmInstance, wasm;",
        "export { initSync, __wbg_init as default };\n",
        include_str!("init.js"),
    ),
];

pub fn trim(glue: &str) -> Result<String, String> {
    let mut js = glue.to_owned();
    for (from, to, replacement) in CUTS {
        let start = once(&js, from)?;
        let end = start
            + js[start..]
                .find(to)
                .ok_or_else(|| format!("glue: `{to}` not found after `{from}`"))?
            + to.len();
        js.replace_range(start..end, replacement);
    }
    Ok(js)
}

fn once(js: &str, text: &str) -> Result<usize, String> {
    match js.match_indices(text).map(|(i, _)| i).collect::<Vec<_>>()[..] {
        [at] => Ok(at),
        ref found => Err(format!(
            "glue: `{text}` found {} times, expected once (a new wasm-bindgen?)",
            found.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_anchor_fails_the_build() {
        assert!(trim("let x = 1;").unwrap_err().contains("found 0 times"));
    }
}
