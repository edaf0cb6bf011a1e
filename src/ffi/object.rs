//! The add-in object as the platform sees it: four interface pointers at the start (one per
//! C++ base class of IComponentBase, in declaration order) followed by our state, and four
//! static vtables laid out as the target's C++ ABI lays them out.
//!
//! The platform converts the object pointer to a base pointer by adding k pointer sizes and
//! calls slot i of the vtable found there with `this` = that base pointer; each function here
//! subtracts the same amount to find the object again (what C++ does with "this-adjusting
//! thunks").

// c_long is i64 on Linux x86_64, where `i64::from` looks useless, and i32 on Windows, where
// it is the conversion.
#![allow(clippy::useless_conversion)]

use std::ffi::{c_long, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use super::platform::{write_variant, Connection, MemoryManager};
use super::strings::{read_name, read_variant};
use super::types::{TVariant, WChar, DTOR_SLOTS, NATIVE_API_VERSION};
use crate::addin::{EventSink, InterfaceProblem, Messenger, Value};

/// Longest member name or locale we read; nothing we answer to is longer.
const MAX_NAME_UNITS: usize = 256;

/// The object handed to the platform by GetClassObject.
#[repr(C)]
pub struct Object {
    init_done: *const InitDoneVtbl,
    language_extender: *const LanguageExtenderVtbl,
    locale: *const LocaleVtbl,
    user_language: *const UserLanguageVtbl,
    state: State,
}

struct State {
    memory: Option<MemoryManager>,
    connection: Arc<Connection>,
    /// `None` once destroyed (a complete-object destructor may run before the memory goes).
    component: Option<Messenger>,
}

impl Object {
    /// A new object on the heap; the platform owns the pointer until DestroyObject.
    pub fn new_boxed() -> *mut Object {
        Box::into_raw(Box::new(Object {
            init_done: &INIT_DONE.table,
            language_extender: &LANGUAGE_EXTENDER.table,
            locale: &LOCALE.table,
            user_language: &USER_LANGUAGE.table,
            state: State {
                memory: None,
                connection: Connection::new(),
                component: Some(Messenger::new()),
            },
        }))
    }
}

/// Ends the object's life: stops its work, forgets the platform, and frees the memory when
/// `free` (deleting destructor, DestroyObject). Safe to call twice without `free`.
///
/// # Safety
/// `object` came from `Object::new_boxed` and, when `free`, is not used afterwards.
pub unsafe fn destroy(object: *mut Object, free: bool) {
    if object.is_null() {
        return;
    }
    // A panic while stopping background work must not unwind into the platform; the memory
    // is freed regardless.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller guarantees a live object.
        let state = unsafe { &mut (*object).state };
        if let Some(mut component) = state.component.take() {
            component.done();
        }
        state.connection.detach();
    }));
    if free {
        // SAFETY: allocated by Box in new_boxed; the caller promises no further use.
        drop(unsafe { Box::from_raw(object) });
    }
}

/// The object behind a base-interface pointer.
fn object_of<const BASE: usize>(this: *mut c_void) -> *mut Object {
    this.cast::<u8>()
        .wrapping_sub(BASE * size_of::<*const c_void>())
        .cast::<Object>()
}

/// Runs an interface call: finds the object, refuses a destroyed one, catches panics (turned
/// into an error raised in 1C) and reports problems. `fallback` is returned on any failure.
fn call<const BASE: usize, R>(
    this: *mut c_void,
    fallback: R,
    f: impl FnOnce(&mut State) -> Result<R, Failure>,
) -> R {
    if this.is_null() {
        return fallback;
    }
    let object = object_of::<BASE>(this);
    // SAFETY: the platform passes a base pointer of an object it got from GetClassObject and
    // has not destroyed; calls on one object are not concurrent.
    let state = unsafe { &mut (*object).state };
    if state.component.is_none() {
        return fallback;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| f(state)));
    // SAFETY: as above; the closure's borrow has ended.
    let state = unsafe { &mut (*object).state };
    let failure = match outcome {
        Ok(Ok(value)) => return value,
        Ok(Err(failure)) => failure,
        Err(payload) => Failure::Problem(InterfaceProblem::Panic {
            message: super::panics::describe(payload.as_ref()),
        }),
    };
    report(state, failure);
    fallback
}

/// Why a call failed: the add-in already made its text, or the interface itself went wrong.
enum Failure {
    /// Text to raise, LastError already set by the add-in.
    Raise(String),
    /// Silent failure: the platform asked for something that does not exist (an index it got
    /// from nowhere); it shows its own message.
    Quiet,
    Problem(InterfaceProblem),
}

fn report(state: &mut State, failure: Failure) {
    let text = match failure {
        Failure::Raise(text) => text,
        Failure::Quiet => return,
        Failure::Problem(problem) => {
            // The component may be mid-way through a panicked call; recording a text is all
            // we ask of it, and that cannot leave it worse.
            let recorded = catch_unwind(AssertUnwindSafe(|| {
                state
                    .component
                    .as_mut()
                    .map(|c| c.interface_error(&problem))
            }));
            match recorded {
                Ok(Some(text)) => text,
                _ => format!("[INTERNAL] {problem:?}"),
            }
        }
    };
    state.connection.add_error("Messenger", &text);
}

fn component(state: &mut State) -> Result<&mut Messenger, Failure> {
    state.component.as_mut().ok_or(Failure::Quiet)
}

fn memory(state: &State) -> Result<MemoryManager, Failure> {
    state
        .memory
        .ok_or(Failure::Problem(InterfaceProblem::NoMemoryManager))
}

fn index(num: c_long) -> Option<usize> {
    usize::try_from(num).ok()
}

/// A platform-allocated copy of a name, or null.
fn alloc_name(state: &State, name: Option<&str>) -> *const WChar {
    match (name, state.memory) {
        (Some(name), Some(mem)) => mem.alloc_utf16(name).0,
        _ => ptr::null(),
    }
}

/// Puts a value into a variant the platform gave us.
fn put(state: &State, out: *mut TVariant, value: &Value) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::Problem(InterfaceProblem::NullPointer {
            what: "pvarRetValue",
        }));
    }
    let mem = memory(state)?;
    // SAFETY: non-null, and the platform hands out a writable tVariant for results.
    if write_variant(&mem, unsafe { &mut *out }, value) {
        Ok(())
    } else {
        Err(Failure::Problem(InterfaceProblem::OutOfMemory))
    }
}

/// The parameters of a call, decoded.
fn read_params(params: *mut TVariant, count: c_long) -> Result<Vec<Value>, Failure> {
    let count = usize::try_from(count).map_err(|_| {
        Failure::Problem(InterfaceProblem::BadParameterCount {
            count: i64::from(count),
        })
    })?;
    if count == 0 {
        return Ok(Vec::new());
    }
    if params.is_null() {
        return Err(Failure::Problem(InterfaceProblem::NullPointer {
            what: "paParams",
        }));
    }
    // SAFETY: the platform passes `count` consecutive tVariants.
    let slice = unsafe { std::slice::from_raw_parts(params, count) };
    // SAFETY: each is a tVariant filled by the platform.
    Ok(slice.iter().map(|v| unsafe { read_variant(v) }).collect())
}

fn raise(text: String) -> Failure {
    Failure::Raise(text)
}

/// FindProp / FindMethod: the index of a member by its name in either language, or -1.
///
/// # Safety
/// `name` is null or NUL-terminated UTF-16, as the platform passes it.
unsafe fn find_member(
    this: *mut c_void,
    name: *const WChar,
    find: fn(&Messenger, &str) -> Option<usize>,
) -> c_long {
    call::<1, _>(this, -1, |state| {
        // SAFETY: the caller's guarantee on `name` (null is handled).
        let name = unsafe { read_name(name, MAX_NAME_UNITS) };
        let found = name.and_then(|n| find(component(state).ok()?, &n));
        Ok(found.map_or(-1, |i| i as c_long))
    })
}

/// GetPropName / GetMethodName: a platform-allocated name, or null for an unknown index/alias.
fn member_name(
    this: *mut c_void,
    num: c_long,
    alias: c_long,
    name_of: fn(&Messenger, usize, usize) -> Option<&'static str>,
) -> *const WChar {
    call::<1, _>(this, ptr::null(), |state| {
        let name = match (index(num), index(alias)) {
            (Some(n), Some(a)) => name_of(component(state)?, n, a),
            _ => None,
        };
        Ok(alloc_name(state, name))
    })
}

// ---- IInitDoneBase -------------------------------------------------------------------------

unsafe extern "system" fn init(this: *mut c_void, connection: *mut c_void) -> bool {
    call::<0, _>(this, false, |state| {
        let attached = state.connection.attach(connection);
        let sink: Arc<dyn EventSink> = state.connection.clone();
        component(state)?.init(attached.then_some(sink));
        Ok(attached)
    })
}

unsafe extern "system" fn set_mem_manager(this: *mut c_void, mem: *mut c_void) -> bool {
    call::<0, _>(this, false, |state| {
        state.memory = MemoryManager::new(mem);
        Ok(state.memory.is_some())
    })
}

unsafe extern "system" fn get_info(this: *mut c_void) -> c_long {
    call::<0, _>(this, NATIVE_API_VERSION, |_| Ok(NATIVE_API_VERSION))
}

unsafe extern "system" fn done(this: *mut c_void) {
    call::<0, _>(this, (), |state| {
        component(state)?.done();
        state.connection.detach();
        Ok(())
    })
}

// ---- ILanguageExtenderBase -----------------------------------------------------------------

unsafe extern "system" fn register_extension_as(this: *mut c_void, out: *mut *mut WChar) -> bool {
    call::<1, _>(this, false, |state| {
        if out.is_null() {
            return Err(Failure::Problem(InterfaceProblem::NullPointer {
                what: "wsExtensionName",
            }));
        }
        let name = component(state)?.extension_name();
        let (ptr, _) = memory(state)?.alloc_utf16(name);
        if ptr.is_null() {
            return Err(Failure::Problem(InterfaceProblem::OutOfMemory));
        }
        // SAFETY: checked non-null; the platform frees the string with its memory manager.
        unsafe { *out = ptr };
        Ok(true)
    })
}

unsafe extern "system" fn get_n_props(this: *mut c_void) -> c_long {
    call::<1, _>(this, 0, |state| {
        Ok(component(state)?.props_count() as c_long)
    })
}

unsafe extern "system" fn find_prop(this: *mut c_void, name: *const WChar) -> c_long {
    // SAFETY: forwarded from the platform.
    unsafe { find_member(this, name, Messenger::find_prop) }
}

unsafe extern "system" fn get_prop_name(
    this: *mut c_void,
    num: c_long,
    alias: c_long,
) -> *const WChar {
    member_name(this, num, alias, Messenger::prop_name)
}

unsafe extern "system" fn get_prop_val(this: *mut c_void, num: c_long, out: *mut TVariant) -> bool {
    call::<1, _>(this, false, |state| {
        let value = component(state)?.get_prop(i64::from(num)).map_err(raise)?;
        put(state, out, &value)?;
        Ok(true)
    })
}

unsafe extern "system" fn set_prop_val(
    this: *mut c_void,
    num: c_long,
    value: *mut TVariant,
) -> bool {
    call::<1, _>(this, false, |state| {
        if value.is_null() {
            return Err(Failure::Problem(InterfaceProblem::NullPointer {
                what: "varPropVal",
            }));
        }
        // SAFETY: non-null tVariant from the platform.
        let value = unsafe { read_variant(&*value) };
        component(state)?
            .set_prop(i64::from(num), value)
            .map_err(raise)?;
        Ok(true)
    })
}

unsafe extern "system" fn is_prop_readable(this: *mut c_void, num: c_long) -> bool {
    call::<1, _>(this, false, |state| {
        Ok(index(num).is_some_and(|n| component(state).is_ok_and(|c| c.is_prop_readable(n))))
    })
}

unsafe extern "system" fn is_prop_writable(this: *mut c_void, num: c_long) -> bool {
    call::<1, _>(this, false, |state| {
        Ok(index(num).is_some_and(|n| component(state).is_ok_and(|c| c.is_prop_writable(n))))
    })
}

unsafe extern "system" fn get_n_methods(this: *mut c_void) -> c_long {
    call::<1, _>(this, 0, |state| {
        Ok(component(state)?.methods_count() as c_long)
    })
}

unsafe extern "system" fn find_method(this: *mut c_void, name: *const WChar) -> c_long {
    // SAFETY: forwarded from the platform.
    unsafe { find_member(this, name, Messenger::find_method) }
}

unsafe extern "system" fn get_method_name(
    this: *mut c_void,
    num: c_long,
    alias: c_long,
) -> *const WChar {
    member_name(this, num, alias, Messenger::method_name)
}

unsafe extern "system" fn get_n_params(this: *mut c_void, num: c_long) -> c_long {
    call::<1, _>(this, 0, |state| {
        Ok(index(num).map_or(0, |n| {
            component(state).map_or(0, |c| c.params_count(n)) as c_long
        }))
    })
}

unsafe extern "system" fn get_param_def_value(
    this: *mut c_void,
    method: c_long,
    param: c_long,
    out: *mut TVariant,
) -> bool {
    call::<1, _>(this, false, |state| {
        let default = match (index(method), index(param)) {
            (Some(m), Some(p)) => component(state)?.param_default(m, p),
            _ => None,
        };
        match default {
            Some(value) => {
                put(state, out, &value)?;
                Ok(true)
            }
            None => Ok(false),
        }
    })
}

unsafe extern "system" fn has_ret_val(this: *mut c_void, num: c_long) -> bool {
    call::<1, _>(this, false, |state| {
        Ok(index(num).is_some_and(|n| component(state).is_ok_and(|c| c.has_ret_val(n))))
    })
}

unsafe extern "system" fn call_as_proc(
    this: *mut c_void,
    method: c_long,
    params: *mut TVariant,
    count: c_long,
) -> bool {
    call::<1, _>(this, false, |state| {
        let args = read_params(params, count)?;
        component(state)?
            .call(i64::from(method), &args)
            .map_err(raise)?;
        Ok(true)
    })
}

unsafe extern "system" fn call_as_func(
    this: *mut c_void,
    method: c_long,
    ret: *mut TVariant,
    params: *mut TVariant,
    count: c_long,
) -> bool {
    call::<1, _>(this, false, |state| {
        if ret.is_null() {
            return Err(Failure::Problem(InterfaceProblem::NullPointer {
                what: "pvarRetValue",
            }));
        }
        let args = read_params(params, count)?;
        let value = component(state)?
            .call(i64::from(method), &args)
            .map_err(raise)?;
        put(state, ret, &value)?;
        Ok(true)
    })
}

// ---- LocaleBase, UserLanguageBase ----------------------------------------------------------

unsafe extern "system" fn set_locale(this: *mut c_void, locale: *const WChar) {
    call::<2, _>(this, (), |state| {
        // SAFETY: NUL-terminated text from the platform (or null, handled).
        if let Some(locale) = unsafe { read_name(locale, MAX_NAME_UNITS) } {
            component(state)?.set_locale(&locale);
        }
        Ok(())
    })
}

unsafe extern "system" fn set_user_interface_language_code(this: *mut c_void, code: *const WChar) {
    call::<3, _>(this, (), |state| {
        // SAFETY: NUL-terminated text from the platform (or null, handled).
        if let Some(code) = unsafe { read_name(code, MAX_NAME_UNITS) } {
            component(state)?.set_user_language(&code);
        }
        Ok(())
    })
}

// ---- Destructors ---------------------------------------------------------------------------
//
// Some hosts `delete` the object through its interface instead of calling DestroyObject
// (OneScript's proxy does), so the slots hold working destructors, never null.

/// Itanium C++ ABI (Linux, macOS): complete-object destructor (D1, no free) and deleting
/// destructor (D0, destroy + free): two slots.
#[cfg(not(windows))]
#[repr(C)]
struct Dtors {
    complete: unsafe extern "C" fn(*mut c_void),
    deleting: unsafe extern "C" fn(*mut c_void),
}

#[cfg(not(windows))]
unsafe extern "C" fn complete_dtor<const BASE: usize>(this: *mut c_void) {
    if !this.is_null() {
        // SAFETY: `this` is a base pointer of a live object; the memory is kept.
        unsafe { destroy(object_of::<BASE>(this), false) }
    }
}

#[cfg(not(windows))]
unsafe extern "C" fn deleting_dtor<const BASE: usize>(this: *mut c_void) {
    if !this.is_null() {
        // SAFETY: `delete` on a base pointer of a live object; it is gone afterwards.
        unsafe { destroy(object_of::<BASE>(this), true) }
    }
}

#[cfg(not(windows))]
macro_rules! dtors {
    ($base:literal) => {
        Dtors {
            complete: complete_dtor::<$base>,
            deleting: deleting_dtor::<$base>,
        }
    };
}

/// MSVC ABI (Windows): one "scalar deleting destructor" slot taking flags (bit 0: free the
/// memory). On 32-bit Windows it is __thiscall, unlike the __stdcall methods.
#[cfg(windows)]
#[repr(C)]
struct Dtors {
    scalar_deleting: ScalarDeletingDtor,
}

#[cfg(all(windows, target_arch = "x86"))]
type ScalarDeletingDtor = unsafe extern "thiscall" fn(*mut c_void, u32) -> *mut c_void;
#[cfg(all(windows, not(target_arch = "x86")))]
type ScalarDeletingDtor = unsafe extern "C" fn(*mut c_void, u32) -> *mut c_void;

#[cfg(windows)]
macro_rules! scalar_deleting_dtor_body {
    ($this:ident, $flags:ident, $base:ident) => {{
        if !$this.is_null() {
            // SAFETY: `this` is a base pointer of a live object; freed only when asked.
            unsafe { destroy(object_of::<$base>($this), $flags & 1 != 0) }
        }
        $this
    }};
}

#[cfg(all(windows, target_arch = "x86"))]
unsafe extern "thiscall" fn scalar_deleting_dtor<const BASE: usize>(
    this: *mut c_void,
    flags: u32,
) -> *mut c_void {
    scalar_deleting_dtor_body!(this, flags, BASE)
}

#[cfg(all(windows, not(target_arch = "x86")))]
unsafe extern "C" fn scalar_deleting_dtor<const BASE: usize>(
    this: *mut c_void,
    flags: u32,
) -> *mut c_void {
    scalar_deleting_dtor_body!(this, flags, BASE)
}

#[cfg(windows)]
macro_rules! dtors {
    ($base:literal) => {
        Dtors {
            scalar_deleting: scalar_deleting_dtor::<$base>,
        }
    };
}

// ---- Vtables -------------------------------------------------------------------------------

/// A vtable with the two words the Itanium ABI puts before the address the object points at:
/// offset-to-top (minus the base's offset in the object) and the RTTI pointer (none: nobody
/// may dynamic_cast to a type they do not know). Harmless on Windows.
#[repr(C)]
struct Prefixed<T> {
    offset_to_top: isize,
    type_info: usize,
    table: T,
}

const fn prefix(base: isize) -> isize {
    -base * size_of::<*const c_void>() as isize
}

#[repr(C)]
struct InitDoneVtbl {
    dtors: Dtors,
    init: unsafe extern "system" fn(*mut c_void, *mut c_void) -> bool,
    set_mem_manager: unsafe extern "system" fn(*mut c_void, *mut c_void) -> bool,
    get_info: unsafe extern "system" fn(*mut c_void) -> c_long,
    done: unsafe extern "system" fn(*mut c_void),
}

#[repr(C)]
struct LanguageExtenderVtbl {
    dtors: Dtors,
    register_extension_as: unsafe extern "system" fn(*mut c_void, *mut *mut WChar) -> bool,
    get_n_props: unsafe extern "system" fn(*mut c_void) -> c_long,
    find_prop: unsafe extern "system" fn(*mut c_void, *const WChar) -> c_long,
    get_prop_name: unsafe extern "system" fn(*mut c_void, c_long, c_long) -> *const WChar,
    get_prop_val: unsafe extern "system" fn(*mut c_void, c_long, *mut TVariant) -> bool,
    set_prop_val: unsafe extern "system" fn(*mut c_void, c_long, *mut TVariant) -> bool,
    is_prop_readable: unsafe extern "system" fn(*mut c_void, c_long) -> bool,
    is_prop_writable: unsafe extern "system" fn(*mut c_void, c_long) -> bool,
    get_n_methods: unsafe extern "system" fn(*mut c_void) -> c_long,
    find_method: unsafe extern "system" fn(*mut c_void, *const WChar) -> c_long,
    get_method_name: unsafe extern "system" fn(*mut c_void, c_long, c_long) -> *const WChar,
    get_n_params: unsafe extern "system" fn(*mut c_void, c_long) -> c_long,
    get_param_def_value:
        unsafe extern "system" fn(*mut c_void, c_long, c_long, *mut TVariant) -> bool,
    has_ret_val: unsafe extern "system" fn(*mut c_void, c_long) -> bool,
    call_as_proc: unsafe extern "system" fn(*mut c_void, c_long, *mut TVariant, c_long) -> bool,
    call_as_func: unsafe extern "system" fn(
        *mut c_void,
        c_long,
        *mut TVariant,
        *mut TVariant,
        c_long,
    ) -> bool,
}

#[repr(C)]
struct LocaleVtbl {
    dtors: Dtors,
    set_locale: unsafe extern "system" fn(*mut c_void, *const WChar),
}

#[repr(C)]
struct UserLanguageVtbl {
    dtors: Dtors,
    set_user_interface_language_code: unsafe extern "system" fn(*mut c_void, *const WChar),
}

static INIT_DONE: Prefixed<InitDoneVtbl> = Prefixed {
    offset_to_top: prefix(0),
    type_info: 0,
    table: InitDoneVtbl {
        dtors: dtors!(0),
        init,
        set_mem_manager,
        get_info,
        done,
    },
};

static LANGUAGE_EXTENDER: Prefixed<LanguageExtenderVtbl> = Prefixed {
    offset_to_top: prefix(1),
    type_info: 0,
    table: LanguageExtenderVtbl {
        dtors: dtors!(1),
        register_extension_as,
        get_n_props,
        find_prop,
        get_prop_name,
        get_prop_val,
        set_prop_val,
        is_prop_readable,
        is_prop_writable,
        get_n_methods,
        find_method,
        get_method_name,
        get_n_params,
        get_param_def_value,
        has_ret_val,
        call_as_proc,
        call_as_func,
    },
};

static LOCALE: Prefixed<LocaleVtbl> = Prefixed {
    offset_to_top: prefix(2),
    type_info: 0,
    table: LocaleVtbl {
        dtors: dtors!(2),
        set_locale,
    },
};

static USER_LANGUAGE: Prefixed<UserLanguageVtbl> = Prefixed {
    offset_to_top: prefix(3),
    type_info: 0,
    table: UserLanguageVtbl {
        dtors: dtors!(3),
        set_user_interface_language_code,
    },
};

// Slot positions the platform's C++ compiler uses: methods start after one destructor slot on
// MSVC and after two on Itanium; the four interface pointers sit at consecutive words.
const P: usize = size_of::<*const c_void>();
const _: () = {
    use std::mem::offset_of;
    assert!(size_of::<Dtors>() == DTOR_SLOTS * P);
    assert!(offset_of!(InitDoneVtbl, init) == DTOR_SLOTS * P);
    assert!(offset_of!(InitDoneVtbl, done) == (DTOR_SLOTS + 3) * P);
    assert!(offset_of!(LanguageExtenderVtbl, register_extension_as) == DTOR_SLOTS * P);
    assert!(offset_of!(LanguageExtenderVtbl, call_as_func) == (DTOR_SLOTS + 15) * P);
    assert!(offset_of!(LocaleVtbl, set_locale) == DTOR_SLOTS * P);
    assert!(offset_of!(UserLanguageVtbl, set_user_interface_language_code) == DTOR_SLOTS * P);
    assert!(offset_of!(Prefixed<InitDoneVtbl>, table) == 2 * P);
    assert!(offset_of!(Object, init_done) == 0);
    assert!(offset_of!(Object, language_extender) == P);
    assert!(offset_of!(Object, locale) == 2 * P);
    assert!(offset_of!(Object, user_language) == 3 * P);
    assert!(size_of::<InitDoneVtbl>() == (DTOR_SLOTS + 4) * P);
    assert!(size_of::<LanguageExtenderVtbl>() == (DTOR_SLOTS + 16) * P);
    assert!(size_of::<LocaleVtbl>() == (DTOR_SLOTS + 1) * P);
    assert!(size_of::<UserLanguageVtbl>() == (DTOR_SLOTS + 1) * P);
};

// The same slots as the byte offsets a C++ compiler for each shipped target gives the SDK
// headers, written out, so that a wrong `cfg` above cannot make both sides of the checks agree
// by mistake. Windows: one destructor slot, methods from 1·P; Linux: two, methods from 2·P.
#[cfg(all(windows, target_arch = "x86_64"))]
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(InitDoneVtbl, init) == 8);
    assert!(offset_of!(InitDoneVtbl, done) == 32);
    assert!(offset_of!(LanguageExtenderVtbl, register_extension_as) == 8);
    assert!(offset_of!(LanguageExtenderVtbl, find_method) == 80);
    assert!(offset_of!(LanguageExtenderVtbl, call_as_func) == 128);
    assert!(offset_of!(LocaleVtbl, set_locale) == 8);
    assert!(offset_of!(UserLanguageVtbl, set_user_interface_language_code) == 8);
};
#[cfg(all(windows, target_arch = "x86"))]
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(InitDoneVtbl, init) == 4);
    assert!(offset_of!(InitDoneVtbl, done) == 16);
    assert!(offset_of!(LanguageExtenderVtbl, register_extension_as) == 4);
    assert!(offset_of!(LanguageExtenderVtbl, find_method) == 40);
    assert!(offset_of!(LanguageExtenderVtbl, call_as_func) == 64);
    assert!(offset_of!(LocaleVtbl, set_locale) == 4);
    assert!(offset_of!(UserLanguageVtbl, set_user_interface_language_code) == 4);
    assert!(offset_of!(Object, user_language) == 12);
};
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(InitDoneVtbl, init) == 16);
    assert!(offset_of!(InitDoneVtbl, done) == 40);
    assert!(offset_of!(LanguageExtenderVtbl, register_extension_as) == 16);
    assert!(offset_of!(LanguageExtenderVtbl, find_method) == 88);
    assert!(offset_of!(LanguageExtenderVtbl, call_as_func) == 136);
    assert!(offset_of!(LocaleVtbl, set_locale) == 16);
    assert!(offset_of!(UserLanguageVtbl, set_user_interface_language_code) == 16);
};
