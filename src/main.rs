#[cfg(target_arch = "wasm32")]
fn main() {
    quantumstate_app::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("quantumstate-app is the browser app: build it with `trunk build` (see README.md)");
}
