//! WebKit's web process gives memory back when it grows: a memory limit for WebKit's
//! memory-pressure handler, which then prunes its caches, collects JavaScript garbage and returns
//! the allocator's free pages once the process holds more than a share of the limit.
//!
//! WebKitGTK takes the limit only when its web context is built (`memory-pressure-settings`, a
//! construct-only property), and Tauri's webview library builds that context without a way to pass
//! it. So before the window exists, the context class's property setter is wrapped once: when the
//! context is built without settings (the default every construction sets), the wrapper gives it
//! [`Limits`] instead. Everything else goes to WebKit's own setter unchanged.

use std::ffi::{CStr, c_uint};
use std::sync::OnceLock;
#[cfg(test)]
use std::sync::atomic::{AtomicUsize, Ordering};

/// When WebKit's handler acts (its `WebKitMemoryPressureSettings`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The web process's memory limit, in MB.
    pub limit_mb: u32,
    /// Share of the limit above which caches are pruned and free pages returned (non-critical).
    pub conservative: f64,
    /// Share of the limit above which JavaScript's heap is collected too (critical).
    pub strict: f64,
    /// How often the process measures itself, in seconds.
    pub poll_s: f64,
}

/// The window's limits. WebKit measures its web process's own memory (not the shared libraries):
/// after a walk through every screen it holds between 33 and 66 MB of it (at a 200 MB limit,
/// whose thresholds start at 66 MB, nothing changes). At 100 MB the process prunes caches and
/// gives back free pages from 33 MB and also collects JavaScript's heap from 50 MB.
///
/// `scripts/bench-window`, medians of 3: 465 → 444–448 MB for the app after every screen and
/// 464 → 436 MB 10 s later (the web process 220 → 205–210 MB); the walk's time is unchanged.
/// The process checks every 10 s. At 2 s the memory figure was the same but the idle window's CPU
/// doubled: the process stays above 33 MB, so every check prunes and trims again. WebKit's kill
/// threshold stays unset: the process is never killed for its size.
pub const WINDOW: Limits = Limits { limit_mb: 100, conservative: 0.33, strict: 0.5, poll_s: 10.0 };

type SetProperty =
    unsafe extern "C" fn(*mut gobject_sys::GObject, c_uint, *mut gobject_sys::GValue, *mut gobject_sys::GParamSpec);

/// WebKit's own setter, and the settings the wrapper hands it (a `WebKitMemoryPressureSettings*`
/// kept for the life of the process, as an address so the static is `Sync`).
static HOOK: OnceLock<(SetProperty, usize)> = OnceLock::new();

/// How many web contexts were given the settings, for the test.
#[cfg(test)]
static GIVEN: AtomicUsize = AtomicUsize::new(0);

/// The name of the construct-only property the settings go through.
const PROPERTY: &CStr = c"memory-pressure-settings";

/// Wraps the web context class's setter so that every context built from now on has `limits`,
/// and gives the network process the same. Call before the window is built; later calls do nothing.
#[allow(unsafe_code)]
pub fn install(limits: Limits) {
    if HOOK.get().is_some() {
        return;
    }
    // SAFETY: these are WebKitGTK's documented C functions, called on the main thread before any
    // web context exists. The settings struct is WebKit's own, filled through its setters; it is
    // never freed (the hook hands it to each context built, which copies it).
    unsafe {
        let settings = webkit2gtk_sys::webkit_memory_pressure_settings_new();
        webkit2gtk_sys::webkit_memory_pressure_settings_set_memory_limit(settings, limits.limit_mb);
        webkit2gtk_sys::webkit_memory_pressure_settings_set_conservative_threshold(settings, limits.conservative);
        webkit2gtk_sys::webkit_memory_pressure_settings_set_strict_threshold(settings, limits.strict);
        webkit2gtk_sys::webkit_memory_pressure_settings_set_poll_interval(settings, limits.poll_s);
        // The class is referenced for good: its setter must stay wrapped.
        let class = gobject_sys::g_type_class_ref(webkit2gtk_sys::webkit_web_context_get_type())
            as *mut gobject_sys::GObjectClass;
        let Some(original) = (*class).set_property else {
            return;
        };
        if HOOK.set((original, settings as usize)).is_ok() {
            (*class).set_property = Some(set_property);
        }
        webkit2gtk_sys::webkit_website_data_manager_set_memory_pressure_settings(settings);
    }
}

/// The wrapped setter: the memory-pressure property set to nothing gets [`HOOK`]'s settings.
#[allow(unsafe_code)]
unsafe extern "C" fn set_property(
    object: *mut gobject_sys::GObject,
    id: c_uint,
    value: *mut gobject_sys::GValue,
    pspec: *mut gobject_sys::GParamSpec,
) {
    let Some(&(original, settings)) = HOOK.get() else {
        return;
    };
    // SAFETY: GObject calls this with a valid object, value and property spec of this class; the
    // value is initialised with the property's own type before the original setter sees it.
    unsafe {
        let unset = CStr::from_ptr((*pspec).name) == PROPERTY && gobject_sys::g_value_get_boxed(value).is_null();
        if !unset {
            return original(object, id, value, pspec);
        }
        let mut given: gobject_sys::GValue = std::mem::zeroed();
        gobject_sys::g_value_init(&mut given, (*pspec).value_type);
        gobject_sys::g_value_set_boxed(&mut given, settings as glib_sys::gconstpointer);
        original(object, id, &mut given, pspec);
        gobject_sys::g_value_unset(&mut given);
    }
    #[cfg(test)]
    GIVEN.fetch_add(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A web context built after [`install`] gets the settings; one built with its own keeps them.
    #[test]
    #[allow(unsafe_code)]
    fn a_web_context_built_after_install_gets_the_limits() {
        // A web context needs GTK on a display; GTK takes it from its arguments here, as the
        // environment is shared with the other tests.
        let display = showroom_e2e::display();
        let given = std::ffi::CString::new(display.name.clone()).expect("display name");
        let mut argv = [c"test".as_ptr().cast_mut(), c"--display".as_ptr().cast_mut(), given.as_ptr().cast_mut()];
        let mut argc = argv.len() as std::ffi::c_int;
        let mut args = argv.as_mut_ptr();
        // SAFETY: GTK reads (and may reorder) the argument array, which outlives the call.
        assert!(unsafe { gtk_sys::gtk_init_check(&mut argc, &mut args) } != 0, "GTK could not open {}", display.name);
        install(WINDOW);
        let before = GIVEN.load(Ordering::Relaxed);
        // SAFETY: WebKitGTK's documented constructor; the context is released right after.
        unsafe {
            let context = webkit2gtk_sys::webkit_web_context_new();
            assert!(!context.is_null());
            gobject_sys::g_object_unref(context.cast());
        }
        assert_eq!(GIVEN.load(Ordering::Relaxed), before + 1, "the default context got no memory limit");
        // Settings a caller passes on its own are left alone.
        // SAFETY: as above, with the property WebKit documents for them.
        unsafe {
            let own = webkit2gtk_sys::webkit_memory_pressure_settings_new();
            let context = gobject_sys::g_object_new(
                webkit2gtk_sys::webkit_web_context_get_type(),
                PROPERTY.as_ptr(),
                own,
                std::ptr::null::<std::ffi::c_char>(),
            );
            gobject_sys::g_object_unref(context);
            webkit2gtk_sys::webkit_memory_pressure_settings_free(own);
        }
        assert_eq!(GIVEN.load(Ordering::Relaxed), before + 1, "settings passed in were replaced");
    }
}
