//! The platform's side of the interface: its memory manager and its connection object
//! (IAddInDefBase), reached through their C++ vtables.

use std::ffi::{c_long, c_ulong, c_void};
use std::ptr;
use std::sync::{Arc, Mutex, PoisonError};

use super::strings::to_utf16_nul;
use super::types::{TVariant, WChar, ADDIN_E_FAIL, DTOR_SLOTS};

/// Destructor slots at the start of a platform interface's vtable. We never call them (the
/// platform owns these objects), but they shift the method slots: two on the Itanium ABI
/// (complete and deleting destructor), one on MSVC.
#[repr(C)]
struct PlatformDtors {
    #[cfg(not(windows))]
    _complete: usize,
    _deleting: usize,
}

#[repr(C)]
struct MemoryManagerVtbl {
    _dtors: PlatformDtors,
    alloc_memory:
        unsafe extern "system" fn(*mut RawMemoryManager, *mut *mut c_void, c_ulong) -> bool,
    free_memory: unsafe extern "system" fn(*mut RawMemoryManager, *mut *mut c_void),
}

/// `IMemoryManager` as the platform passes it to setMemManager.
#[repr(C)]
pub struct RawMemoryManager {
    vtbl: *const MemoryManagerVtbl,
}

#[repr(C)]
struct AddInDefBaseVtbl {
    _dtors: PlatformDtors,
    add_error: unsafe extern "system" fn(
        *mut RawConnection,
        u16,
        *const WChar,
        *const WChar,
        c_long,
    ) -> bool,
    _read: usize,
    _write: usize,
    _register_profile_as: usize,
    set_event_buffer_depth: unsafe extern "system" fn(*mut RawConnection, c_long) -> bool,
    get_event_buffer_depth: unsafe extern "system" fn(*mut RawConnection) -> c_long,
    external_event:
        unsafe extern "system" fn(*mut RawConnection, *mut WChar, *mut WChar, *mut WChar) -> bool,
    _clean_event_buffer: usize,
    _set_status_line: usize,
    _reset_status_line: usize,
}

/// `IAddInDefBase` as the platform passes it to Init.
#[repr(C)]
pub struct RawConnection {
    vtbl: *const AddInDefBaseVtbl,
}

// The method slots we call, after the platform compiler's destructor slots (AddInDefBase.h,
// IMemoryManager.h): a shift here would call the wrong function with the wrong arguments.
const _: () = {
    use std::mem::offset_of;
    const P: usize = size_of::<usize>();
    assert!(size_of::<PlatformDtors>() == DTOR_SLOTS * P);
    assert!(offset_of!(MemoryManagerVtbl, alloc_memory) == DTOR_SLOTS * P);
    assert!(offset_of!(MemoryManagerVtbl, free_memory) == (DTOR_SLOTS + 1) * P);
    assert!(offset_of!(AddInDefBaseVtbl, add_error) == DTOR_SLOTS * P);
    assert!(offset_of!(AddInDefBaseVtbl, set_event_buffer_depth) == (DTOR_SLOTS + 4) * P);
    assert!(offset_of!(AddInDefBaseVtbl, get_event_buffer_depth) == (DTOR_SLOTS + 5) * P);
    assert!(offset_of!(AddInDefBaseVtbl, external_event) == (DTOR_SLOTS + 6) * P);
    assert!(size_of::<AddInDefBaseVtbl>() == (DTOR_SLOTS + 10) * P);
};

/// The platform's memory manager. Every string and BLOB handed to 1C is allocated here: 1C
/// frees them with FreeMemory, so malloc'd memory would corrupt its heap.
#[derive(Clone, Copy)]
pub struct MemoryManager(*mut RawMemoryManager);

impl MemoryManager {
    /// `None` for a null pointer or one without a vtable.
    pub fn new(raw: *mut c_void) -> Option<MemoryManager> {
        let raw = raw.cast::<RawMemoryManager>();
        // SAFETY: a non-null pointer from setMemManager points at the platform's object,
        // whose first field is its vtable pointer.
        if raw.is_null() || unsafe { (*raw).vtbl.is_null() } {
            return None;
        }
        Some(MemoryManager(raw))
    }

    /// Allocates `bytes` bytes; null when the platform refuses.
    pub fn alloc(&self, bytes: usize) -> *mut c_void {
        let Ok(size) = c_ulong::try_from(bytes) else {
            return ptr::null_mut();
        };
        let mut out: *mut c_void = ptr::null_mut();
        // SAFETY: self.0 was checked non-null with a vtable in new(); AllocMemory writes the
        // block's address into `out` and returns whether it did.
        let ok = unsafe { ((*(*self.0).vtbl).alloc_memory)(self.0, &mut out, size) };
        if ok {
            out
        } else {
            ptr::null_mut()
        }
    }

    /// Returns a block to the platform.
    pub fn free(&self, block: *mut c_void) {
        if block.is_null() {
            return;
        }
        let mut block = block;
        // SAFETY: the block came from alloc() of this same manager and is freed once.
        unsafe { ((*(*self.0).vtbl).free_memory)(self.0, &mut block) };
    }

    /// A NUL-terminated UTF-16 copy of `text` in platform memory, with its length in code
    /// units (without the NUL); null when allocation fails.
    pub fn alloc_utf16(&self, text: &str) -> (*mut WChar, usize) {
        let units: Vec<WChar> = text.encode_utf16().collect();
        let block = self
            .alloc((units.len() + 1) * size_of::<WChar>())
            .cast::<WChar>();
        if block.is_null() {
            return (block, 0);
        }
        // SAFETY: the block holds units.len() + 1 code units, just allocated, not aliased.
        unsafe {
            ptr::copy_nonoverlapping(units.as_ptr(), block, units.len());
            *block.add(units.len()) = 0;
        }
        (block, units.len())
    }

    /// A copy of `bytes` in platform memory (at least one byte is allocated, so that an empty
    /// BLOB still has a valid pointer); null when allocation fails.
    pub fn alloc_bytes(&self, bytes: &[u8]) -> *mut u8 {
        let block = self.alloc(bytes.len().max(1)).cast::<u8>();
        if !block.is_null() {
            // SAFETY: the block holds at least bytes.len() bytes, just allocated.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), block, bytes.len()) };
        }
        block
    }
}

/// The platform's connection. Shared with background threads (external events), so it lives
/// behind a lock and is revoked in Done: after that the pointer is the platform's garbage.
#[derive(Default)]
pub struct Connection {
    raw: Mutex<Option<ConnectionPtr>>,
}

struct ConnectionPtr(*mut RawConnection);

// SAFETY: the platform documents nothing about threads, but every add-in that reports from a
// worker thread relies on ExternalEvent being callable from any thread; all our calls through
// the pointer are serialized by the Mutex around it.
unsafe impl Send for ConnectionPtr {}

impl Connection {
    pub fn new() -> Arc<Connection> {
        Arc::new(Connection::default())
    }

    /// Remembers the platform's connection (Init).
    pub fn attach(&self, raw: *mut c_void) -> bool {
        let raw = raw.cast::<RawConnection>();
        // SAFETY: a non-null pointer from Init points at the platform's IAddInDefBase.
        if raw.is_null() || unsafe { (*raw).vtbl.is_null() } {
            return false;
        }
        *self.raw.lock().unwrap_or_else(PoisonError::into_inner) = Some(ConnectionPtr(raw));
        true
    }

    /// Forgets the connection (Done, destruction); later calls do nothing.
    pub fn detach(&self) {
        *self.raw.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn with<R>(&self, f: impl FnOnce(*mut RawConnection, &AddInDefBaseVtbl) -> R) -> Option<R> {
        let guard = self.raw.lock().unwrap_or_else(PoisonError::into_inner);
        let raw = guard.as_ref()?.0;
        // SAFETY: attach() checked the pointer and its vtable; detach() removes it before the
        // platform may free it, and the lock is held for the whole call.
        let vtbl = unsafe { &*(*raw).vtbl };
        Some(f(raw, vtbl))
    }

    /// Reports an error; with a non-zero scode the platform raises an exception carrying
    /// `description` in the calling 1C code.
    pub fn add_error(&self, source: &str, description: &str) -> bool {
        let source = to_utf16_nul(source);
        let description = to_utf16_nul(description);
        self.with(|raw, vtbl| {
            // SAFETY: both strings are NUL-terminated and outlive the call; the platform
            // copies them (they stay ours).
            unsafe { (vtbl.add_error)(raw, ADDIN_E_FAIL, source.as_ptr(), description.as_ptr(), 1) }
        })
        .unwrap_or(false)
    }

    /// Queues an external event for ОбработкаВнешнегоСобытия.
    pub fn external_event(&self, source: &str, event: &str, data: &str) -> bool {
        let mut source = to_utf16_nul(source);
        let mut event = to_utf16_nul(event);
        let mut data = to_utf16_nul(data);
        self.with(|raw, vtbl| {
            // SAFETY: NUL-terminated buffers that outlive the call; the platform copies them.
            unsafe {
                (vtbl.external_event)(
                    raw,
                    source.as_mut_ptr(),
                    event.as_mut_ptr(),
                    data.as_mut_ptr(),
                )
            }
        })
        .unwrap_or(false)
    }

    /// Sets how many external events the platform keeps before dropping new ones.
    pub fn set_event_buffer_depth(&self, depth: i32) -> bool {
        // SAFETY: a plain call through the checked vtable.
        self.with(|raw, vtbl| unsafe { (vtbl.set_event_buffer_depth)(raw, c_long::from(depth)) })
            .unwrap_or(false)
    }
}

/// Gives the add-in layer a way to raise external events from any thread without knowing
/// anything about the platform's interfaces.
impl crate::addin::EventSink for Connection {
    fn external_event(&self, source: &str, event: &str, data: &str) -> bool {
        Connection::external_event(self, source, event, data)
    }

    fn set_event_buffer_depth(&self, depth: i32) -> bool {
        Connection::set_event_buffer_depth(self, depth)
    }
}

/// Writes a value into a platform tVariant, allocating strings and BLOBs in platform memory.
/// Returns false (leaving the variant EMPTY) when memory cannot be had.
pub fn write_variant(mem: &MemoryManager, out: &mut TVariant, value: &crate::addin::Value) -> bool {
    use super::types::{vtype, StrVal, VariantValue, WStrVal};
    use crate::addin::Value;
    *out = TVariant::empty();
    match value {
        Value::Empty => {}
        Value::Null => out.vt = vtype::NULL,
        Value::Bool(b) => {
            out.value = VariantValue { b_val: *b };
            out.vt = vtype::BOOL;
        }
        Value::Int(i) => match i32::try_from(*i) {
            Ok(small) => {
                out.value = VariantValue { l_val: small };
                out.vt = vtype::I4;
            }
            // 1C's Number holds it exactly up to 2^53; beyond that an R8 is still the best.
            Err(_) => {
                out.value = VariantValue { dbl_val: *i as f64 };
                out.vt = vtype::R8;
            }
        },
        Value::Double(d) => {
            out.value = VariantValue { dbl_val: *d };
            out.vt = vtype::R8;
        }
        Value::Str(s) => {
            let (ptr, len) = mem.alloc_utf16(s);
            let Ok(len) = u32::try_from(len) else {
                mem.free(ptr.cast());
                return false;
            };
            if ptr.is_null() {
                return false;
            }
            out.value = VariantValue {
                wstr: WStrVal { ptr, len },
            };
            out.vt = vtype::PWSTR;
        }
        Value::Blob(bytes) => {
            let Ok(len) = u32::try_from(bytes.len()) else {
                return false;
            };
            let ptr = mem.alloc_bytes(bytes);
            if ptr.is_null() {
                return false;
            }
            out.value = VariantValue {
                str: StrVal {
                    ptr: ptr.cast(),
                    len,
                },
            };
            out.vt = vtype::BLOB;
        }
        // Never produced by the add-in layer as a result; written as Undefined if it were.
        Value::Date(_)
        | Value::InvalidText { .. }
        | Value::TooLong { .. }
        | Value::BlobNoMemory { .. }
        | Value::Unsupported(_) => {}
    }
    true
}
