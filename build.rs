// The starter catalog in seed/ is compiled in (include_dir); rebuild when any of it changes,
// including files added to the folder.
fn main() {
    println!("cargo:rerun-if-changed=seed");
}
