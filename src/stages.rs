//! Hooks the binary sets for the moments a scan moves from one stage to the next, so that the library
//! need not know which allocator the binary runs on.

use std::sync::OnceLock;

static AFTER_PARSE: OnceLock<fn()> = OnceLock::new();

/// Sets the function [`after_parse`] calls (the first call wins; later ones are ignored).
pub fn set_after_parse(hook: fn()) {
    let _ = AFTER_PARSE.set(hook);
}

/// Called by a scan once every input is read and attributed, before the graph is built: from here on
/// the scan frees many small temporary values and no large buffers.
pub fn after_parse() {
    if let Some(hook) = AFTER_PARSE.get() {
        hook();
    }
}
