// The kiosk's Slint UI is compiled at build time. Debug info is kept so that the
// headless UI tests can find elements by id and accessible label. Translations are
// bundled into the binary (lang/<language>/LC_MESSAGES/linli.po): a kiosk has no
// gettext catalogue on disk to fall back on, and switching must never fail.
fn main() {
    let lang = concat!(env!("CARGO_MANIFEST_DIR"), "/lang");
    println!("cargo:rerun-if-changed={lang}");
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(true)
        .with_bundled_translations(lang);
    slint_build::compile_with_config("ui/app.slint", config).expect("the Slint UI compiles");
}
