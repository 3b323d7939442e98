// The kiosk's Slint UI is compiled at build time. Debug info is kept so that the
// headless UI tests can find elements by id and accessible label.
fn main() {
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    slint_build::compile_with_config("ui/app.slint", config).expect("the Slint UI compiles");
}
