use std::path::PathBuf;

/// The committed TypeScript bindings must equal what the Rust types generate now.
#[test]
fn bindings_are_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let want = showroom_core::bindings::typescript();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p showroom-core bindings` and commit it"
    );
}
