//! # Messenger — a 1C:Enterprise Native API add-in
//!
//! 1C loads this library with `ПодключитьВнешнююКомпоненту` and creates the one class it
//! exports, `Messenger`, with `Новый("AddIn.<Имя>.Messenger")`. The object makes self-signed
//! certificates for a web publication, points a Telegram bot at it and diagnoses the webhook,
//! and sends and receives XMPP messages. The contract with 1C code (names in English and
//! Russian, parameters, results, errors) is in docs/ru/reference.md and docs/en/reference.md.
//!
//! Layers, data flowing one way:
//! - this file: the exported C functions, nothing else;
//! - [`ffi`] (private): the Native API ABI — vtables per target, tVariant, UTF-16, the
//!   platform's memory manager, AddError/ExternalEvent, panics caught at every entry;
//! - [`addin`]: the 1C object — member table, argument conversion, localized errors;
//! - [`cert`], [`telegram`], [`xmpp`], [`net`]: the work itself, plain safe Rust with no
//!   knowledge of 1C, usable from Rust directly (the `messenger` command-line tool does);
#![deny(unsafe_code)]

pub mod addin;
pub mod cert;
mod ffi;
pub mod fsio;
pub mod i18n;
pub mod net;
pub mod reason;
pub mod telegram;
pub mod xmpp;

// The five functions the platform looks up by name. `no_mangle` exports are an unsafe
// attribute (two libraries may clash on a name), hence the allowance here alone.
use std::ffi::{c_int, c_long, c_void};

/// `const WCHAR_T* GetClassNames()`: `"Messenger"`, owned by the library.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn GetClassNames() -> *const u16 {
    ffi::get_class_names()
}

/// `long GetClassObject(const WCHAR_T* name, IComponentBase** out)`: non-zero when created.
///
/// # Safety
/// `name` is null or NUL-terminated UTF-16; `out` is null or writable.
#[allow(unsafe_code)]
#[no_mangle]
pub unsafe extern "C" fn GetClassObject(name: *const u16, out: *mut *mut c_void) -> c_long {
    // SAFETY: forwarded with the caller's guarantees.
    unsafe { ffi::get_class_object(name, out) }
}

/// `long DestroyObject(IComponentBase** p)`: 0 when destroyed, -1 for a null pointer.
///
/// # Safety
/// `p` is null or points at a pointer from GetClassObject (or null).
#[allow(unsafe_code)]
#[no_mangle]
pub unsafe extern "C" fn DestroyObject(p: *mut *mut c_void) -> c_long {
    // SAFETY: forwarded with the caller's guarantees.
    unsafe { ffi::destroy_object(p) }
}

/// `AppCapabilities SetPlatformCapabilities(AppCapabilities)`: we support the latest (3).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn SetPlatformCapabilities(capabilities: c_int) -> c_int {
    ffi::set_platform_capabilities(capabilities)
}

/// `AttachType GetAttachType()`: isolated or not, as the 1C code chooses.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn GetAttachType() -> c_int {
    ffi::get_attach_type()
}
