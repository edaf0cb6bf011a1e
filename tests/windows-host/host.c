/* A Windows host for the add-in DLL, in plain C, built with mingw-w64 and run under wine by
 * scripts/test/test-windows.sh. It loads the DLL the way 1C does (LoadLibrary, GetProcAddress) and
 * calls the object through the MSVC C++ layout declared here by hand, so that nothing of the
 * Linux (Itanium) layout can leak in:
 *   - each interface's vtable starts with ONE destructor slot, the "scalar deleting destructor"
 *     taking flags (bit 0: free the memory); on 32-bit it is __thiscall;
 *   - every method is __stdcall on 32-bit (ADDIN_API), `this` first on the stack;
 *   - long is 32 bits, WCHAR_T is wchar_t (UTF-16), tVariant is 48 bytes;
 *   - the object starts with four interface pointers, one per base; each call passes the
 *     pointer of its base as `this`, as a C++ compiler does after the upcast.
 * It also plays the platform: a memory manager that counts allocations against frees, and a
 * connection (IAddInDefBase) that records AddError and ExternalEvent.
 *
 *   host.exe PATH\TO\messenger.dll
 *   host.exe PATH\TO\messenger.dll dns-unload NAME LINGER_SECONDS   (see run_dns_unload)
 *
 * Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed"; exit code 0 when all
 * passed. */

#include <windows.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- the platform's C++ ABI, declared by hand ------------------------------------------ */

#ifdef _WIN64
#define ADDIN_API
#define DTOR_API
#else
#define ADDIN_API __stdcall
#define DTOR_API __thiscall
#endif

typedef wchar_t WCHAR_T;
_Static_assert(sizeof(WCHAR_T) == 2, "WCHAR_T is a UTF-16 code unit on Windows");
_Static_assert(sizeof(long) == 4, "long is 32 bits on Windows");

enum {
    VTYPE_EMPTY = 0, VTYPE_NULL = 1, VTYPE_I4 = 3, VTYPE_R8 = 5, VTYPE_BOOL = 11,
    VTYPE_PSTR = 8, VTYPE_PWSTR = 22, VTYPE_BLOB = 23,
};

/* MSVC's struct tm: nine ints, no glibc extras. */
typedef struct {
    int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
} MsvcTm;

typedef struct {
    union {
        int32_t lVal;
        int64_t llVal;
        double dblVal;
        bool bVal;
        MsvcTm tmVal;
        struct { void *pInterfaceVal; uint8_t InterfaceID[16]; } iface;
        struct { char *pstrVal; uint32_t strLen; } str;
        struct { WCHAR_T *pwstrVal; uint32_t wstrLen; } wstr;
    } v;
    uint32_t cbElements;
    uint16_t vt;
} tVariant;
_Static_assert(sizeof(tVariant) == 48, "tVariant is 48 bytes on both Windows targets");
_Static_assert(offsetof(tVariant, cbElements) == 40, "cbElements at 40");
_Static_assert(offsetof(tVariant, vt) == 44, "vt at 44");

/* The add-in object: four interface pointers, one per base class of IComponentBase. */
typedef struct IInitDoneBaseVtbl IInitDoneBaseVtbl;
typedef struct ILanguageExtenderBaseVtbl ILanguageExtenderBaseVtbl;
typedef struct LocaleBaseVtbl LocaleBaseVtbl;
typedef struct UserLanguageBaseVtbl UserLanguageBaseVtbl;

typedef struct {
    const IInitDoneBaseVtbl *init_done;
    const ILanguageExtenderBaseVtbl *language_extender;
    const LocaleBaseVtbl *locale;
    const UserLanguageBaseVtbl *user_language;
} IComponentBase;

typedef void *(DTOR_API *ScalarDeletingDtor)(void *self, unsigned int flags);

struct IInitDoneBaseVtbl {
    ScalarDeletingDtor dtor;
    bool (ADDIN_API *Init)(void *self, void *connection);
    bool (ADDIN_API *setMemManager)(void *self, void *memory);
    long (ADDIN_API *GetInfo)(void *self);
    void (ADDIN_API *Done)(void *self);
};

struct ILanguageExtenderBaseVtbl {
    ScalarDeletingDtor dtor;
    bool (ADDIN_API *RegisterExtensionAs)(void *self, WCHAR_T **name);
    long (ADDIN_API *GetNProps)(void *self);
    long (ADDIN_API *FindProp)(void *self, const WCHAR_T *name);
    const WCHAR_T *(ADDIN_API *GetPropName)(void *self, long num, long alias);
    bool (ADDIN_API *GetPropVal)(void *self, long num, tVariant *value);
    bool (ADDIN_API *SetPropVal)(void *self, long num, tVariant *value);
    bool (ADDIN_API *IsPropReadable)(void *self, long num);
    bool (ADDIN_API *IsPropWritable)(void *self, long num);
    long (ADDIN_API *GetNMethods)(void *self);
    long (ADDIN_API *FindMethod)(void *self, const WCHAR_T *name);
    const WCHAR_T *(ADDIN_API *GetMethodName)(void *self, long num, long alias);
    long (ADDIN_API *GetNParams)(void *self, long num);
    bool (ADDIN_API *GetParamDefValue)(void *self, long method, long param, tVariant *value);
    bool (ADDIN_API *HasRetVal)(void *self, long num);
    bool (ADDIN_API *CallAsProc)(void *self, long method, tVariant *params, long count);
    bool (ADDIN_API *CallAsFunc)(void *self, long method, tVariant *ret, tVariant *params, long count);
};

struct LocaleBaseVtbl {
    ScalarDeletingDtor dtor;
    void (ADDIN_API *SetLocale)(void *self, const WCHAR_T *locale);
};

struct UserLanguageBaseVtbl {
    ScalarDeletingDtor dtor;
    void (ADDIN_API *SetUserInterfaceLanguageCode)(void *self, const WCHAR_T *code);
};

/* Calls through the right base pointer, as a C++ compiler would after the upcast. */
#define INIT_DONE(o) (&(o)->init_done)
#define EXTENDER(o) (&(o)->language_extender)
#define CALL_ID(o, m, ...) ((o)->init_done->m(INIT_DONE(o), ##__VA_ARGS__))
#define CALL_LE(o, m, ...) ((o)->language_extender->m(EXTENDER(o), ##__VA_ARGS__))

/* The exported functions: plain cdecl. */
typedef const WCHAR_T *(*GetClassNamesFn)(void);
typedef long (*GetClassObjectFn)(const WCHAR_T *name, IComponentBase **out);
typedef long (*DestroyObjectFn)(IComponentBase **object);
typedef int (*SetPlatformCapabilitiesFn)(int capabilities);
typedef int (*GetAttachTypeFn)(void);

/* ---- the platform's memory manager ------------------------------------------------------ */

#define MAX_LIVE 4096

typedef struct MemoryManager MemoryManager;
typedef struct {
    void *(DTOR_API *dtor)(MemoryManager *self, unsigned int flags);
    bool (ADDIN_API *AllocMemory)(MemoryManager *self, void **block, unsigned long bytes);
    void (ADDIN_API *FreeMemory)(MemoryManager *self, void **block);
} MemoryManagerVtbl;

struct MemoryManager {
    const MemoryManagerVtbl *vtbl;
    CRITICAL_SECTION lock;
    void *live[MAX_LIVE];
    long live_count, allocs, frees, foreign_frees;
};

static void *DTOR_API memory_dtor(MemoryManager *self, unsigned int flags) {
    (void)flags; /* the host owns it; never deleted through the interface */
    return self;
}

static bool ADDIN_API memory_alloc(MemoryManager *self, void **block, unsigned long bytes) {
    if (!block) return false;
    *block = NULL;
    EnterCriticalSection(&self->lock);
    bool ok = false;
    if (self->live_count < MAX_LIVE) {
        *block = HeapAlloc(GetProcessHeap(), 0, bytes ? bytes : 1);
        if (*block) {
            self->live[self->live_count++] = *block;
            self->allocs++;
            ok = true;
        }
    }
    LeaveCriticalSection(&self->lock);
    return ok;
}

static void ADDIN_API memory_free(MemoryManager *self, void **block) {
    if (!block || !*block) return;
    EnterCriticalSection(&self->lock);
    long i = 0;
    while (i < self->live_count && self->live[i] != *block) i++;
    if (i == self->live_count) {
        self->foreign_frees++; /* a block we never gave out: the add-in freed something twice */
    } else {
        self->live[i] = self->live[--self->live_count];
        HeapFree(GetProcessHeap(), 0, *block);
        *block = NULL;
        self->frees++;
    }
    LeaveCriticalSection(&self->lock);
}

static const MemoryManagerVtbl memory_vtbl = {memory_dtor, memory_alloc, memory_free};

static void memory_init(MemoryManager *m) {
    memset(m, 0, sizeof *m);
    m->vtbl = &memory_vtbl;
    InitializeCriticalSection(&m->lock);
}

static bool memory_balanced(MemoryManager *m) {
    EnterCriticalSection(&m->lock);
    bool balanced = m->live_count == 0 && m->foreign_frees == 0 && m->allocs == m->frees;
    LeaveCriticalSection(&m->lock);
    return balanced;
}

/* ---- the platform's connection (IAddInDefBase) ------------------------------------------ */

typedef struct Connection Connection;
typedef struct {
    void *(DTOR_API *dtor)(Connection *self, unsigned int flags);
    bool (ADDIN_API *AddError)(Connection *self, unsigned short wcode, const WCHAR_T *source, const WCHAR_T *descr, long scode);
    bool (ADDIN_API *Read)(Connection *self, WCHAR_T *prop, tVariant *value, long *error, WCHAR_T **error_text);
    bool (ADDIN_API *Write)(Connection *self, WCHAR_T *prop, tVariant *value);
    bool (ADDIN_API *RegisterProfileAs)(Connection *self, WCHAR_T *profile);
    bool (ADDIN_API *SetEventBufferDepth)(Connection *self, long depth);
    long (ADDIN_API *GetEventBufferDepth)(Connection *self);
    bool (ADDIN_API *ExternalEvent)(Connection *self, WCHAR_T *source, WCHAR_T *message, WCHAR_T *data);
    void (ADDIN_API *CleanEventBuffer)(Connection *self);
    bool (ADDIN_API *SetStatusLine)(Connection *self, WCHAR_T *text);
    void (ADDIN_API *ResetStatusLine)(Connection *self);
} ConnectionVtbl;

struct Connection {
    const ConnectionVtbl *vtbl;
    CRITICAL_SECTION lock;
    long errors;
    unsigned short last_wcode;
    long last_scode;
    WCHAR_T last_source[64];
    WCHAR_T last_error[1024];
    long buffer_depth, events, dropped_events;
};

static void copy_text(WCHAR_T *to, size_t capacity, const WCHAR_T *from) {
    if (!from) from = L"(null)";
    size_t n = wcslen(from);
    if (n >= capacity) n = capacity - 1;
    memcpy(to, from, n * sizeof(WCHAR_T));
    to[n] = 0;
}

static void *DTOR_API connection_dtor(Connection *self, unsigned int flags) {
    (void)flags;
    return self;
}

static bool ADDIN_API connection_add_error(Connection *self, unsigned short wcode, const WCHAR_T *source, const WCHAR_T *descr, long scode) {
    EnterCriticalSection(&self->lock);
    self->errors++;
    self->last_wcode = wcode;
    self->last_scode = scode;
    copy_text(self->last_source, 64, source);
    copy_text(self->last_error, 1024, descr);
    LeaveCriticalSection(&self->lock);
    return true;
}

static bool ADDIN_API connection_read(Connection *self, WCHAR_T *prop, tVariant *value, long *error, WCHAR_T **error_text) {
    (void)self; (void)prop; (void)value; (void)error; (void)error_text;
    return false;
}

static bool ADDIN_API connection_write(Connection *self, WCHAR_T *prop, tVariant *value) {
    (void)self; (void)prop; (void)value;
    return false;
}

static bool ADDIN_API connection_register_profile_as(Connection *self, WCHAR_T *profile) {
    (void)self; (void)profile;
    return false;
}

static bool ADDIN_API connection_set_event_buffer_depth(Connection *self, long depth) {
    EnterCriticalSection(&self->lock);
    self->buffer_depth = depth;
    LeaveCriticalSection(&self->lock);
    return true;
}

static long ADDIN_API connection_get_event_buffer_depth(Connection *self) {
    EnterCriticalSection(&self->lock);
    long depth = self->buffer_depth;
    LeaveCriticalSection(&self->lock);
    return depth;
}

static bool ADDIN_API connection_external_event(Connection *self, WCHAR_T *source, WCHAR_T *message, WCHAR_T *data) {
    (void)data;
    EnterCriticalSection(&self->lock);
    bool kept = self->events < self->buffer_depth && source && message &&
                wcscmp(source, L"Messenger") == 0 && wcscmp(message, L"Probe") == 0;
    if (kept) self->events++;
    else self->dropped_events++;
    LeaveCriticalSection(&self->lock);
    return kept;
}

static void ADDIN_API connection_clean_event_buffer(Connection *self) {
    EnterCriticalSection(&self->lock);
    self->events = 0;
    LeaveCriticalSection(&self->lock);
}

static bool ADDIN_API connection_set_status_line(Connection *self, WCHAR_T *text) {
    (void)self; (void)text;
    return true;
}

static void ADDIN_API connection_reset_status_line(Connection *self) { (void)self; }

static const ConnectionVtbl connection_vtbl = {
    connection_dtor, connection_add_error, connection_read, connection_write,
    connection_register_profile_as, connection_set_event_buffer_depth,
    connection_get_event_buffer_depth, connection_external_event,
    connection_clean_event_buffer, connection_set_status_line, connection_reset_status_line,
};

static void connection_init(Connection *c) {
    memset(c, 0, sizeof *c);
    c->vtbl = &connection_vtbl;
    c->buffer_depth = 1; /* the platform's default */
    InitializeCriticalSection(&c->lock);
}

static long connection_events(Connection *c) {
    EnterCriticalSection(&c->lock);
    long n = c->events;
    LeaveCriticalSection(&c->lock);
    return n;
}

/* Every ExternalEvent call, kept or dropped: shows whether a thread is still raising them. */
static long connection_event_calls(Connection *c) {
    EnterCriticalSection(&c->lock);
    long n = c->events + c->dropped_events;
    LeaveCriticalSection(&c->lock);
    return n;
}

/* Forgets the last error, so that the next check sees only what the next call reported. */
static void connection_clear(Connection *c) {
    EnterCriticalSection(&c->lock);
    c->errors = 0;
    c->last_wcode = 0;
    c->last_scode = 0;
    c->last_source[0] = 0;
    c->last_error[0] = 0;
    LeaveCriticalSection(&c->lock);
}

/* ---- reporting -------------------------------------------------------------------------- */

static int passed, failed;

/* UTF-16 to UTF-8 for printing (the console or pipe gets bytes). */
static const char *utf8(const WCHAR_T *text, char *buffer, int capacity) {
    if (!text) return "(null)";
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, buffer, capacity, NULL, NULL);
    if (n <= 0) buffer[0] = 0;
    return buffer;
}

static void check(bool ok, const char *what, const WCHAR_T *detail) {
    char text[2048];
    if (ok) passed++;
    else failed++;
    printf("%s - %s%s%s\n", ok ? "ok" : "not ok", what, detail ? ": " : "", detail ? utf8(detail, text, sizeof text) : "");
    fflush(stdout);
}

static bool starts_with(const WCHAR_T *text, const WCHAR_T *prefix) {
    return text && wcsncmp(text, prefix, wcslen(prefix)) == 0;
}

/* ---- variants ---------------------------------------------------------------------------- */

static tVariant v_i4(int32_t i) {
    tVariant v;
    memset(&v, 0, sizeof v);
    v.vt = VTYPE_I4;
    v.v.lVal = i;
    return v;
}

static tVariant v_r8(double d) {
    tVariant v;
    memset(&v, 0, sizeof v);
    v.vt = VTYPE_R8;
    v.v.dblVal = d;
    return v;
}

/* A string parameter: the buffer belongs to the caller, as the platform's parameters do. */
static tVariant v_wstr(const WCHAR_T *text) {
    tVariant v;
    memset(&v, 0, sizeof v);
    v.vt = VTYPE_PWSTR;
    v.v.wstr.pwstrVal = (WCHAR_T *)text;
    v.v.wstr.wstrLen = (uint32_t)wcslen(text);
    return v;
}

/* What the platform does with a result: free its buffer with the memory manager. */
static void release(MemoryManager *m, tVariant *v) {
    if (v->vt == VTYPE_PWSTR && v->v.wstr.pwstrVal) memory_free(m, (void **)&v->v.wstr.pwstrVal);
    if ((v->vt == VTYPE_BLOB || v->vt == VTYPE_PSTR) && v->v.str.pstrVal) memory_free(m, (void **)&v->v.str.pstrVal);
    memset(v, 0, sizeof *v);
}

/* A result string compared in full: the length, the terminating NUL and the units. */
static bool is_wstr(const tVariant *v, const WCHAR_T *expected) {
    size_t n = wcslen(expected);
    return v->vt == VTYPE_PWSTR && v->v.wstr.pwstrVal && v->v.wstr.wstrLen == n &&
           memcmp(v->v.wstr.pwstrVal, expected, (n + 1) * sizeof(WCHAR_T)) == 0;
}

/* ---- the library ------------------------------------------------------------------------- */

typedef struct {
    HMODULE module;
    GetClassNamesFn get_class_names;
    GetClassObjectFn get_class_object;
    DestroyObjectFn destroy_object;
    SetPlatformCapabilitiesFn set_platform_capabilities;
    GetAttachTypeFn get_attach_type;
} Library;

static bool library_open(Library *lib, const char *path) {
    lib->module = LoadLibraryA(path);
    if (!lib->module) {
        printf("LoadLibrary(%s) failed: error %lu\n", path, GetLastError());
        return false;
    }
    /* GetProcAddress returns FARPROC; each is cast to its real signature. */
    lib->get_class_names = (GetClassNamesFn)(void (*)(void))GetProcAddress(lib->module, "GetClassNames");
    lib->get_class_object = (GetClassObjectFn)(void (*)(void))GetProcAddress(lib->module, "GetClassObject");
    lib->destroy_object = (DestroyObjectFn)(void (*)(void))GetProcAddress(lib->module, "DestroyObject");
    lib->set_platform_capabilities = (SetPlatformCapabilitiesFn)(void (*)(void))GetProcAddress(lib->module, "SetPlatformCapabilities");
    lib->get_attach_type = (GetAttachTypeFn)(void (*)(void))GetProcAddress(lib->module, "GetAttachType");
    return lib->get_class_names && lib->get_class_object && lib->destroy_object &&
           lib->set_platform_capabilities && lib->get_attach_type;
}

/* An object created and attached as 1C does it: GetClassObject, Init, setMemManager, GetInfo,
 * RegisterExtensionAs, SetLocale. */
static IComponentBase *create(Library *lib, Connection *conn, MemoryManager *mem, bool report) {
    IComponentBase *obj = NULL;
    if (!lib->get_class_object(L"Messenger", &obj) || !obj) return NULL;
    bool init = CALL_ID(obj, Init, conn);
    bool memory = CALL_ID(obj, setMemManager, mem);
    long info = CALL_ID(obj, GetInfo);
    WCHAR_T *extension = NULL;
    bool registered = CALL_LE(obj, RegisterExtensionAs, &extension);
    bool named = registered && extension && wcscmp(extension, L"Messenger") == 0;
    if (extension) memory_free(mem, (void **)&extension);
    obj->locale->SetLocale(&obj->locale, L"rus_RUS");
    if (report) {
        check(init && memory, "Init and setMemManager accept the platform's objects", NULL);
        check(info == 2000, "GetInfo = 2000", NULL);
        check(named, "RegisterExtensionAs names Messenger, in platform memory", NULL);
        check(conn->buffer_depth >= 100, "Init raised the event buffer depth", NULL);
    }
    return obj;
}

/* ---- the sequence ------------------------------------------------------------------------ */

static void run(Library *lib) {
    check(lib->set_platform_capabilities(3) == 3, "SetPlatformCapabilities answers the latest level (3)", NULL);
    check(lib->get_attach_type() == 3, "GetAttachType allows isolated and not isolated", NULL);
    const WCHAR_T *names = lib->get_class_names();
    check(names && wcscmp(names, L"Messenger") == 0, "GetClassNames", names);
    {
        IComponentBase *none = NULL;
        check(lib->get_class_object(L"Другой", &none) == 0 && none == NULL, "GetClassObject refuses an unknown class", NULL);
    }

    /* The probes are looked up when an object is created. */
    SetEnvironmentVariableW(L"MESSENGER_TEST_PROBES", L"1");

    MemoryManager mem;
    Connection conn;
    memory_init(&mem);
    connection_init(&conn);
    IComponentBase *obj = create(lib, &conn, &mem, true);
    check(obj != NULL, "GetClassObject(Messenger) creates the object", NULL);
    if (!obj) return;

    /* Members by Russian and English names, in any case. */
    long send = CALL_LE(obj, FindMethod, L"ОтправитьXMPP");
    check(send == 10 && CALL_LE(obj, FindMethod, L"SendXmpp") == 10 && CALL_LE(obj, FindMethod, L"отправитьxmpp") == 10,
          "FindMethod: ОтправитьXMPP = SendXmpp = отправитьxmpp = 10", NULL);
    check(CALL_LE(obj, FindMethod, L"NoSuchMethod") == -1, "FindMethod of an unknown name is -1", NULL);
    const WCHAR_T *ru = CALL_LE(obj, GetMethodName, send, 1);
    check(ru && wcscmp(ru, L"ОтправитьXMPP") == 0, "GetMethodName(alias 1) is Russian", ru);
    if (ru) memory_free(&mem, (void **)&ru);
    check(CALL_LE(obj, GetNParams, send) == 5 && CALL_LE(obj, HasRetVal, send), "GetNParams(SendXmpp) = 5, HasRetVal", NULL);
    {
        tVariant d;
        memset(&d, 0, sizeof d);
        bool required = CALL_LE(obj, GetParamDefValue, send, 0, &d);
        release(&mem, &d);
        bool optional = CALL_LE(obj, GetParamDefValue, send, 4, &d);
        bool empty_options = d.vt == VTYPE_PWSTR && d.v.wstr.wstrLen == 0;
        release(&mem, &d);
        check(!required && optional && empty_options, "GetParamDefValue: none for JID, an empty String for Options", NULL);
    }

    /* A property: Timeout (Таймаут). */
    long timeout = CALL_LE(obj, FindProp, L"Таймаут");
    check(timeout == 2 && CALL_LE(obj, FindProp, L"Timeout") == 2, "FindProp: Таймаут = Timeout = 2", NULL);
    check(CALL_LE(obj, IsPropReadable, timeout) && CALL_LE(obj, IsPropWritable, timeout), "Timeout is readable and writable", NULL);
    {
        tVariant v;
        memset(&v, 0, sizeof v);
        bool got = CALL_LE(obj, GetPropVal, timeout, &v);
        check(got && v.vt == VTYPE_I4 && v.v.lVal == 30, "Timeout defaults to 30", NULL);
        release(&mem, &v);
        tVariant five = v_i4(5);
        bool set = CALL_LE(obj, SetPropVal, timeout, &five);
        got = CALL_LE(obj, GetPropVal, timeout, &v);
        check(set && got && v.vt == VTYPE_I4 && v.v.lVal == 5, "Timeout set to 5 reads back 5", NULL);
        release(&mem, &v);
        tVariant fraction = v_r8(2.5);
        set = CALL_LE(obj, SetPropVal, timeout, &fraction);
        got = CALL_LE(obj, GetPropVal, timeout, &v);
        check(set && got && v.vt == VTYPE_R8 && v.v.dblVal == 2.5, "Timeout takes 2.5 (a double through a 48-byte tVariant)", NULL);
        release(&mem, &v);

        connection_clear(&conn);
        tVariant zero = v_i4(0);
        set = CALL_LE(obj, SetPropVal, timeout, &zero);
        check(!set && starts_with(conn.last_error, L"[PROP_RANGE] Таймаут:"), "Timeout 0 is refused in Russian", conn.last_error);
    }

    /* A Cyrillic string (and an emoji: a surrogate pair) there and back. */
    long echo = CALL_LE(obj, FindMethod, L"__ProbeEcho");
    check(echo >= 12, "the echo probe exists when MESSENGER_TEST_PROBES=1", NULL);
    {
        const WCHAR_T *text = L"Привет, мир! Ёжик 😀 <&>";
        tVariant param = v_wstr(text), ret;
        memset(&ret, 0, sizeof ret);
        bool ok = CALL_LE(obj, CallAsFunc, echo, &ret, &param, 1);
        check(ok && is_wstr(&ret, text), "a Cyrillic string round trip through __ProbeEcho", ret.vt == VTYPE_PWSTR ? ret.v.wstr.pwstrVal : NULL);
        release(&mem, &ret);
        ok = CALL_LE(obj, CallAsProc, echo, &param, 1);
        check(ok, "CallAsProc runs a function as a procedure", NULL);
    }

    /* ДвоичныеДанные both ways: a BLOB with zero bytes in it goes in and comes back, byte for
       byte, in a block of the platform's memory manager (released by release()); then 0 bytes. */
    {
        static const char bytes[] = {'\0', 'P', 'D', 'F', '\0', '\xff', '\x01', '\0'};
        tVariant param, ret;
        memset(&param, 0, sizeof param);
        param.vt = VTYPE_BLOB;
        param.v.str.pstrVal = (char *)bytes;
        param.v.str.strLen = sizeof bytes;
        memset(&ret, 0, sizeof ret);
        bool ok = CALL_LE(obj, CallAsFunc, echo, &ret, &param, 1);
        check(ok && ret.vt == VTYPE_BLOB && ret.v.str.strLen == sizeof bytes && ret.v.str.pstrVal != bytes &&
                  memcmp(ret.v.str.pstrVal, bytes, sizeof bytes) == 0,
              "a BLOB with zero bytes round trip through __ProbeEcho", NULL);
        release(&mem, &ret);
        param.v.str.strLen = 0;
        memset(&ret, 0, sizeof ret);
        ok = CALL_LE(obj, CallAsFunc, echo, &ret, &param, 1);
        check(ok && ret.vt == VTYPE_BLOB && ret.v.str.strLen == 0, "an empty BLOB round trip", NULL);
        release(&mem, &ret);
    }

    /* A wrong type: AddError with a non-zero scode (1C raises an exception) and Russian text. */
    {
        long info = CALL_LE(obj, FindMethod, L"ПолучитьИнформациюWebhook");
        tVariant param = v_i4(1), ret;
        memset(&ret, 0, sizeof ret);
        connection_clear(&conn);
        bool ok = CALL_LE(obj, CallAsFunc, info, &ret, &param, 1);
        check(!ok && conn.errors == 1, "a Number where a String is expected fails with one AddError", NULL);
        check(conn.last_wcode == 1006 && conn.last_scode != 0 && wcscmp(conn.last_source, L"Messenger") == 0,
              "AddError: ADDIN_E_FAIL, source Messenger, non-zero scode", NULL);
        check(starts_with(conn.last_error, L"[ARG_TYPE] ПолучитьИнформациюWebhook: параметр 1") &&
                  wcsstr(conn.last_error, L"ожидается Строка, передано Число") != NULL,
              "the error is in Russian and names the parameter", conn.last_error);
        release(&mem, &ret);
    }

    /* The fourth base (UserLanguageBase, at 3 pointers into the object): English errors. */
    {
        obj->user_language->SetUserInterfaceLanguageCode(&obj->user_language, L"en");
        connection_clear(&conn);
        tVariant big = v_i4(99999);
        bool set = CALL_LE(obj, SetPropVal, timeout, &big);
        check(!set && wcscmp(conn.last_error, L"[PROP_RANGE] Timeout: expected a Number of seconds from 1 to 3600") == 0,
              "SetUserInterfaceLanguageCode(en) through the fourth vtable: errors in English", conn.last_error);
        obj->user_language->SetUserInterfaceLanguageCode(&obj->user_language, L"ru");
    }

    /* A panic inside a member: caught at the boundary (panic=unwind), the host alive. */
    {
        long panic = CALL_LE(obj, FindMethod, L"__ProbePanic");
        tVariant ret;
        memset(&ret, 0, sizeof ret);
        connection_clear(&conn);
        bool ok = CALL_LE(obj, CallAsFunc, panic, &ret, NULL, 0);
        check(!ok && starts_with(conn.last_error, L"[INTERNAL_PANIC]") && wcsstr(conn.last_error, L"panic on purpose"),
              "a panic becomes AddError", conn.last_error);
        release(&mem, &ret);
        tVariant param = v_wstr(L"после паники");
        ok = CALL_LE(obj, CallAsFunc, echo, &ret, &param, 1);
        check(ok && is_wstr(&ret, L"после паники"), "the object works after a panic", NULL);
        release(&mem, &ret);
    }

    /* External events from a thread of the add-in (std threads on Windows). */
    {
        long events = CALL_LE(obj, FindMethod, L"__ProbeEvents");
        tVariant param = v_i4(50), ret;
        memset(&ret, 0, sizeof ret);
        bool ok = CALL_LE(obj, CallAsFunc, events, &ret, &param, 1);
        for (int i = 0; i < 200 && connection_events(&conn) < 50; i++) Sleep(10);
        check(ok && connection_events(&conn) == 50 && conn.dropped_events == 0, "50 external events from a thread arrived", NULL);
        release(&mem, &ret);
    }

    CALL_ID(obj, Done);
    check(lib->destroy_object(&obj) == 0 && obj == NULL, "Done + DestroyObject clear the pointer", NULL);
    check(lib->destroy_object(&obj) == -1, "DestroyObject of a null object is -1", NULL);
    {
        char counts[128];
        WCHAR_T wide[128];
        snprintf(counts, sizeof counts, "%ld allocations, %ld frees", mem.allocs, mem.frees);
        MultiByteToWideChar(CP_UTF8, 0, counts, -1, wide, 128);
        check(memory_balanced(&mem) && mem.allocs > 0, "memory manager balanced", wide);
    }

    /* Hosts that delete the object through its interface: the scalar deleting destructor
     * (flags = 1), through the primary base and through a secondary one (this-adjusting). */
    {
        MemoryManager m2;
        Connection c2;
        memory_init(&m2);
        connection_init(&c2);
        IComponentBase *o = create(lib, &c2, &m2, false);
        check(o != NULL, "another object", NULL);
        if (o) {
            CALL_ID(o, Done);
            void *returned = o->init_done->dtor(INIT_DONE(o), 1);
            check(returned == (void *)o, "the scalar deleting destructor (flags=1) through IInitDoneBase returns this", NULL);
        }
        check(memory_balanced(&m2), "memory balanced after delete through IInitDoneBase", NULL);
    }
    {
        MemoryManager m3;
        Connection c3;
        memory_init(&m3);
        connection_init(&c3);
        IComponentBase *o = create(lib, &c3, &m3, false);
        if (o) {
            /* A busy event thread: the destructor must stop it before the memory goes. */
            long events = CALL_LE(o, FindMethod, L"__ProbeEvents");
            tVariant param = v_i4(100000), ret;
            memset(&ret, 0, sizeof ret);
            CALL_LE(o, CallAsFunc, events, &ret, &param, 1);
            release(&m3, &ret);
            void *base = EXTENDER(o);
            void *returned = o->language_extender->dtor(base, 1);
            long after = connection_event_calls(&c3);
            Sleep(50);
            check(returned == base && connection_event_calls(&c3) == after,
                  "delete through ILanguageExtenderBase destroys the object and stops its thread", NULL);
        }
        check(o != NULL && memory_balanced(&m3), "memory balanced after delete through ILanguageExtenderBase", NULL);
    }
}

/* ---- dns-unload ---------------------------------------------------------------------------
 * A name lookup that hangs (scripts/test/test-windows.sh points the resolver at a server that never
 * answers): SendXmpp gives up at its Timeout and leaves the lookup's thread behind; the object
 * is destroyed and the DLL freed while that thread still runs in it. Without the DLL pinning
 * itself, FreeLibrary unmaps it and the thread crashes the process when the lookup returns. */
static void run_dns_unload(Library *lib, const char *name, int linger_seconds) {
    MemoryManager mem;
    Connection conn;
    memory_init(&mem);
    connection_init(&conn);
    IComponentBase *obj = create(lib, &conn, &mem, false);
    check(obj != NULL, "object created", NULL);
    if (!obj) return;
    tVariant two = v_i4(2);
    long timeout = CALL_LE(obj, FindProp, L"Timeout");
    long send = CALL_LE(obj, FindMethod, L"SendXmpp");
    check(CALL_LE(obj, SetPropVal, timeout, &two), "Timeout set to 2", NULL);
    WCHAR_T host[200], jid[220];
    MultiByteToWideChar(CP_UTF8, 0, name, -1, host, 200);
    swprintf(jid, 220, L"a@%ls", host);
    WCHAR_T options[300];
    swprintf(options, 300, L"{\"server\":\"%ls:5222\"}", host);
    tVariant params[5] = {v_wstr(jid), v_wstr(L"pw"), v_wstr(jid), v_wstr(L"текст"), v_wstr(options)}, ret;
    memset(&ret, 0, sizeof ret);
    connection_clear(&conn);
    DWORD started = GetTickCount();
    bool ok = CALL_LE(obj, CallAsFunc, send, &ret, params, 5);
    DWORD took = GetTickCount() - started;
    release(&mem, &ret);
    check(!ok && starts_with(conn.last_error, L"[XMPP_"), "SendXmpp to a name whose lookup hangs fails", conn.last_error);
    /* Timeout is 2 s, the resolver's own timeout far longer: this is the bound, not a speed goal. */
    check(took < 5000, "it returned within its Timeout", NULL);
    CALL_ID(obj, Done);
    check(lib->destroy_object(&obj) == 0, "object destroyed", NULL);
    check(memory_balanced(&mem), "memory manager balanced", NULL);
    FreeLibrary(lib->module);
    lib->module = NULL;
    check(GetModuleHandleW(L"messenger.dll") != NULL, "FreeLibrary left the DLL loaded while its lookup runs", NULL);
    Sleep((DWORD)linger_seconds * 1000);
    check(true, "the host lived on past the lookup's end", NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: host.exe PATH\\TO\\messenger.dll\n");
        return 2;
    }
    Library lib;
    memset(&lib, 0, sizeof lib);
    if (!library_open(&lib, argv[1])) {
        check(false, "LoadLibrary and the five exports", NULL);
    } else {
        check(true, "LoadLibrary and the five exports", NULL);
        if (argc >= 5 && strcmp(argv[2], "dns-unload") == 0) {
            run_dns_unload(&lib, argv[3], atoi(argv[4]));
        } else {
            run(&lib);
            FreeLibrary(lib.module);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
