//! The Native API boundary: the only place with `unsafe`, `#[repr(C)]`, vtables, tVariant,
//! UTF-16 and the platform's memory manager. It decodes what 1C passes, catches every panic,
//! and hands safe values to [`crate::addin`]; it knows nothing of what the members do.
#![allow(unsafe_code)]

mod object;
mod panics;
mod platform;
mod resident;
mod sigpipe;
mod strings;
mod types;

use std::ffi::{c_int, c_long, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicI32, Ordering};

pub use types::WChar;
use types::{APP_CAPABILITIES_LAST, CAN_ATTACH_ANY};

/// The class names, `|`-separated, NUL-terminated; the platform reads but never frees them.
static CLASS_NAMES: [WChar; 10] = ascii_utf16(b"Messenger\0");

const fn ascii_utf16<const N: usize>(text: &[u8; N]) -> [WChar; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = text[i] as WChar;
        i += 1;
    }
    out
}

/// What the platform said it supports in SetPlatformCapabilities (-1 before it says).
static PLATFORM_CAPABILITIES: AtomicI32 = AtomicI32::new(-1);

pub fn get_class_names() -> *const WChar {
    CLASS_NAMES.as_ptr()
}

/// # Safety
/// `name` is null or NUL-terminated UTF-16; `out` is null or writable.
pub unsafe fn get_class_object(name: *const WChar, out: *mut *mut c_void) -> c_long {
    let created = catch_unwind(AssertUnwindSafe(|| {
        if out.is_null() {
            return 0;
        }
        // SAFETY: as the caller guarantees.
        let Some(name) = (unsafe { strings::read_name(name, 64) }) else {
            return 0;
        };
        if !name.eq_ignore_ascii_case("Messenger") {
            return 0;
        }
        sigpipe::keep_from_killing_the_host();
        panics::install_quiet_hook();
        // Before a thread of ours is left behind in a call that cannot be interrupted, the
        // library is pinned in memory (see resident.rs); the network code only raises the hook.
        crate::net::detached::when_left_behind(resident::keep_loaded);
        let object = object::Object::new_boxed();
        // SAFETY: checked non-null; the platform owns the object until DestroyObject.
        unsafe { *out = object.cast() };
        1
    }));
    created.unwrap_or(0)
}

/// # Safety
/// `p` is null or points at a pointer obtained from GetClassObject (or null).
pub unsafe fn destroy_object(p: *mut *mut c_void) -> c_long {
    if p.is_null() {
        return -1;
    }
    // SAFETY: readable as the caller guarantees.
    let object = unsafe { *p };
    if object.is_null() {
        return -1;
    }
    // SAFETY: an object from GetClassObject, not used after this.
    unsafe { object::destroy(object.cast(), true) };
    // SAFETY: writable as the caller guarantees.
    unsafe { *p = std::ptr::null_mut() };
    0
}

pub fn set_platform_capabilities(capabilities: c_int) -> c_int {
    PLATFORM_CAPABILITIES.store(capabilities, Ordering::Relaxed);
    APP_CAPABILITIES_LAST
}

pub fn get_attach_type() -> c_int {
    CAN_ATTACH_ANY
}
