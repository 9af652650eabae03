//! Embeds the default catalogue (`data/*.toml`) so agent and collector carry it in their binaries.
use std::{env, fs, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("data");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// The built-in catalogue files, by name.\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for name in names {
        println!("cargo:rerun-if-changed={}", dir.join(&name).display());
        out.push_str(&format!(
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/data/{name}\"))),\n"
        ));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());
    if let Err(e) = fs::write(out_dir.join("builtin_files.rs"), out) {
        panic!("cannot write builtin_files.rs: {e}");
    }
}
