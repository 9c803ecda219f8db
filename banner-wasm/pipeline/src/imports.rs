//! Short import names for the banner's wasm and glue.
//!
//! wasm-bindgen names every import `__wbg_<method>_<16 hex digits>` under the
//! module `./banner_wasm_bg.js`. The hex digits do not compress: renaming
//! the imports to `a`, `b`, … in both files saves about 2 KB of gzip. The
//! glue is rewritten by exact token, and the build fails if a name is not
//! found exactly once, so a wasm-bindgen upgrade cannot break it silently.

use std::path::Path;

const MODULE: &str = "./banner_wasm_bg.js";

pub fn shorten(wasm: &Path, glue: &Path) {
    let bytes = std::fs::read(wasm).expect("read wasm");
    let mut js = std::fs::read_to_string(glue).expect("read glue");
    let (rewritten, renamed) = rewrite(&bytes);
    for (old, new) in &renamed {
        let key = format!("{old}:");
        assert_eq!(
            js.matches(&key).count(),
            1,
            "import {old} not found once in the glue"
        );
        js = js.replacen(&key, &format!("{new}:"), 1);
    }
    let module = format!("\"{MODULE}\"");
    assert_eq!(
        js.matches(&module).count(),
        1,
        "import module not found once in the glue"
    );
    js = js.replacen(&module, "a", 1);
    std::fs::write(wasm, rewritten).expect("write wasm");
    std::fs::write(glue, js).expect("write glue");
}

fn read_leb(bytes: &[u8], at: &mut usize) -> u32 {
    let (mut value, mut shift) = (0u32, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        value |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            return value;
        }
        shift += 7;
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let b = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_leb(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}

fn read_name<'a>(bytes: &'a [u8], at: &mut usize) -> &'a str {
    let len = read_leb(bytes, at) as usize;
    let name = std::str::from_utf8(&bytes[*at..*at + len]).expect("utf-8 name");
    *at += len;
    name
}

/// `a`…`z`, `aa`, `ab`, …
fn short(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'a' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap()
}

/// The module with its import section renamed, and the renames made.
fn rewrite(bytes: &[u8]) -> (Vec<u8>, Vec<(String, String)>) {
    let mut out = bytes[..8].to_vec();
    let mut renamed = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let id = bytes[at];
        at += 1;
        let size = read_leb(bytes, &mut at) as usize;
        let body = &bytes[at..at + size];
        at += size;
        let body = if id == 2 {
            imports(body, &mut renamed)
        } else {
            body.to_vec()
        };
        out.push(id);
        write_leb(&mut out, body.len() as u32);
        out.extend_from_slice(&body);
    }
    (out, renamed)
}

fn imports(body: &[u8], renamed: &mut Vec<(String, String)>) -> Vec<u8> {
    let mut at = 0;
    let count = read_leb(body, &mut at);
    let mut out = Vec::new();
    write_leb(&mut out, count);
    for _ in 0..count {
        let module = read_name(body, &mut at).to_owned();
        let name = read_name(body, &mut at).to_owned();
        let start = at;
        skip_description(body, &mut at);
        if module == MODULE {
            let new = short(renamed.len());
            write_name(&mut out, "a");
            write_name(&mut out, &new);
            renamed.push((name, new));
        } else {
            write_name(&mut out, &module);
            write_name(&mut out, &name);
        }
        out.extend_from_slice(&body[start..at]);
    }
    out
}

/// Skips an import's kind and type (function, table, memory, global).
fn skip_description(body: &[u8], at: &mut usize) {
    let kind = body[*at];
    *at += 1;
    match kind {
        0 => {
            read_leb(body, at);
        }
        1 => {
            *at += 1; // reference type
            skip_limits(body, at);
        }
        2 => skip_limits(body, at),
        3 => *at += 2, // value type, mutability
        other => panic!("unknown import kind {other}"),
    }
}

fn skip_limits(body: &[u8], at: &mut usize) {
    let flags = body[*at];
    *at += 1;
    read_leb(body, at);
    if flags & 1 == 1 {
        read_leb(body, at);
    }
}
