//! Keeping this library in memory while a thread of ours may still run in it.
//!
//! The host may unload the library (the 1C object destroyed, then `dlclose` / `FreeLibrary`)
//! while a thread we could not stop is still inside it — a name lookup the system resolver
//! keeps hanging (see `net::dns`). That thread would return into unmapped memory and crash the
//! whole host process. Before leaving such a thread behind, the caller pins the library: it
//! then stays loaded until the process ends, which costs nothing but its mapping.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

/// Pins the module that holds this code until the process ends (once; later calls are free).
pub(crate) fn keep_loaded() {
    static PINNED: AtomicBool = AtomicBool::new(false);
    if PINNED.swap(true, Ordering::SeqCst) {
        return;
    }
    pin(keep_loaded as *const ());
}

/// dlopen of our own file with RTLD_NODELETE: never unmapped, whatever dlclose the host does.
/// (glibc happens to keep a library whose threads used thread-locals mapped as well; this does
/// not rely on it.)
#[cfg(unix)]
fn pin(address: *const ()) {
    // SAFETY: dladdr only reads the loader's tables for an address inside our own code;
    // dli_fname then points to the loader's copy of our file name, valid while we are loaded,
    // and dlopen with RTLD_NOLOAD takes one more reference to an object already loaded.
    unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        if libc::dladdr(address.cast(), &mut info) != 0 && !info.dli_fname.is_null() {
            let _ = libc::dlopen(
                info.dli_fname,
                libc::RTLD_NOW | libc::RTLD_NOLOAD | libc::RTLD_NODELETE,
            );
        }
    }
}

/// GetModuleHandleEx with the PIN flag: FreeLibrary no longer unloads the DLL.
#[cfg(windows)]
fn pin(address: *const ()) {
    const GET_MODULE_HANDLE_EX_FLAG_PIN: u32 = 0x1;
    const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;
    #[link(name = "kernel32")]
    extern "system" {
        fn GetModuleHandleExW(flags: u32, name: *const u16, module: *mut *mut ()) -> i32;
    }
    let mut module = std::ptr::null_mut();
    // SAFETY: with FROM_ADDRESS the "name" is an address inside our own DLL; the call only
    // looks the module up and writes its handle to `module`.
    unsafe {
        GetModuleHandleExW(
            GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
            address.cast(),
            &mut module,
        );
    }
}

#[cfg(not(any(unix, windows)))]
fn pin(_address: *const ()) {}
