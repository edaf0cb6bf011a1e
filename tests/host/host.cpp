// A test host that loads the add-in the way the 1C platform does: dlopen, the exported
// functions, then real C++ virtual calls through include/messenger_addin.h, so the C++
// compiler decides every vtable slot and calling convention. It provides the platform's side
// too: a memory manager that counts every allocation against its free, and a connection that
// records AddError and ExternalEvent.
//
//   host LIB sequence              the platform's full call sequence, every member
//   host LIB badinput              a table of hostile calls; each must fail cleanly
//   host LIB random SEED N SECONDS seeded random calls, bounded in count and time
//   host LIB bench N               time per property read / method call, memory balance, RSS
//   host LIB call [--lang L] [--blob-out FILE] [--peak] [--as-headroom MIB] [--set Prop=TYPE:VALUE]... Member [TYPE:VALUE]...
//                                  one call (or property read) as 1C would make it; prints a JSON line;
//                                  a BinaryData result goes byte for byte to FILE; --peak adds the
//                                  resident memory just before the call and its peak during it
//                                  (scripts/bench/bench-blob.sh: how many copies of a BLOB the library makes)
//   host LIB members               the member table as 1C discovers it (JSON)
//   host LIB load N [PEER]         load time: N fresh loads each of LIB and of PEER (default
//                                  libssl.so.3), alternating, each in a forked child that has
//                                  neither loaded; medians and the ratio (scripts/bench/bench-load.sh)
//   host LIB session VARIANT JID PASSWORD PEER_JID PEER_PASSWORD OPTIONS_JSON
//                                  two objects with live XMPP sessions exchange messages, then
//                                  are destroyed live and the library unloaded: one thread left.
//                                  VARIANT: destroy | destroy-only | delete | disconnect
//   host LIB dns-unload NAME LINGER_SECONDS
//                                  network members with a name whose lookup hangs, then
//                                  dlclose and LINGER_SECONDS alive: no crash, one thread
//   host LIB session-bad JID WRONG_PASSWORD OPTIONS_JSON
//                                  session members without a session, a wrong password, a
//                                  BOSH session, an unreachable server: clear errors, no thread
// MESSENGER_TEST_PEM=FILE: the certificate to trust (TrustedCertificates) in the session modes.
//
// TYPE:VALUE is s:text, S:@file (string from a file), n:42, d:1.5, b:true, u: (Undefined),
// x:hex (BinaryData), X:@file (BinaryData from a file). Output ends with "N passed, M failed" for the test modes.

#include "../../include/messenger_addin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

typedef std::u16string u16;

// ---- text helpers ------------------------------------------------------------------------

static u16 from_utf8(const std::string& s) {
    u16 out;
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        int extra;
        if (c < 0x80) { cp = c; extra = 0; }
        else if ((c >> 5) == 6) { cp = c & 0x1f; extra = 1; }
        else if ((c >> 4) == 14) { cp = c & 0x0f; extra = 2; }
        else { cp = c & 0x07; extra = 3; }
        for (int k = 0; k < extra && i + 1 < s.size(); ++k) cp = (cp << 6) | ((unsigned char)s[++i] & 0x3f);
        ++i;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back((char16_t)(0xD800 + (cp >> 10)));
            out.push_back((char16_t)(0xDC00 + (cp & 0x3ff)));
        } else {
            out.push_back((char16_t)cp);
        }
    }
    return out;
}

static std::string to_utf8(const char16_t* p, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        uint32_t cp = p[i];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && p[i + 1] >= 0xDC00 && p[i + 1] < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (p[i + 1] - 0xDC00);
            ++i;
        } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
        }
        if (cp < 0x80) out += (char)cp;
        else if (cp < 0x800) { out += (char)(0xC0 | (cp >> 6)); out += (char)(0x80 | (cp & 0x3f)); }
        else if (cp < 0x10000) {
            out += (char)(0xE0 | (cp >> 12)); out += (char)(0x80 | ((cp >> 6) & 0x3f)); out += (char)(0x80 | (cp & 0x3f));
        } else {
            out += (char)(0xF0 | (cp >> 18)); out += (char)(0x80 | ((cp >> 12) & 0x3f));
            out += (char)(0x80 | ((cp >> 6) & 0x3f)); out += (char)(0x80 | (cp & 0x3f));
        }
    }
    return out;
}

static std::string to_utf8(const WCHAR_T* p) {
    if (!p) return "(null)";
    size_t n = 0;
    while (p[n]) ++n;
    return to_utf8((const char16_t*)p, n);
}

static const WCHAR_T* W(const u16& s) { return (const WCHAR_T*)s.c_str(); }

static std::string json_escape(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"') o += "\\\"";
        else if (c == '\\') o += "\\\\";
        else if (c == '\n') o += "\\n";
        else if (c == '\r') o += "\\r";
        else if (c == '\t') o += "\\t";
        else if (c < 0x20) { char b[8]; snprintf(b, sizeof b, "\\u%04x", c); o += b; }
        else o += (char)c;
    }
    return o + "\"";
}

// ---- the platform's side -------------------------------------------------------------------

// Counts allocations against frees and refuses (records) frees of blocks it never gave out.
class CountingMemory : public IMemoryManager {
public:
    bool ADDIN_API AllocMemory(void** p, unsigned long bytes) override {
        if (!p) return false;
        if (fail_next) { fail_next = false; *p = nullptr; return false; }
        *p = malloc(bytes ? bytes : 1);
        if (!*p) return false;
        std::lock_guard<std::mutex> g(mu);
        live[*p] = bytes;
        ++allocs;
        return true;
    }
    void ADDIN_API FreeMemory(void** p) override {
        if (!p || !*p) return;
        std::lock_guard<std::mutex> g(mu);
        auto it = live.find(*p);
        if (it == live.end()) { ++foreign_frees; return; }
        live.erase(it);
        free(*p);
        *p = nullptr;
        ++frees;
    }
    size_t outstanding() { std::lock_guard<std::mutex> g(mu); return live.size(); }
    bool owns(const void* p) { std::lock_guard<std::mutex> g(mu); return live.count((void*)p) != 0; }
    std::mutex mu;
    std::unordered_map<void*, size_t> live;
    long allocs = 0, frees = 0, foreign_frees = 0;
    bool fail_next = false;
};

struct Event { std::string source, message, data; };

class RecordingConnection : public IAddInDefBase {
public:
    bool ADDIN_API AddError(unsigned short wcode, const WCHAR_T* source, const WCHAR_T* descr, long scode) override {
        std::lock_guard<std::mutex> g(mu);
        errors.push_back(to_utf8(descr));
        last_wcode = wcode; last_scode = scode; last_source = to_utf8(source);
        return true;
    }
    bool ADDIN_API Read(WCHAR_T*, tVariant*, long*, WCHAR_T**) override { return false; }
    bool ADDIN_API Write(WCHAR_T*, tVariant*) override { return false; }
    bool ADDIN_API RegisterProfileAs(WCHAR_T*) override { return false; }
    bool ADDIN_API SetEventBufferDepth(long depth) override { std::lock_guard<std::mutex> g(mu); buffer_depth = depth; return true; }
    long ADDIN_API GetEventBufferDepth() override { std::lock_guard<std::mutex> g(mu); return buffer_depth; }
    bool ADDIN_API ExternalEvent(WCHAR_T* s, WCHAR_T* m, WCHAR_T* d) override {
        std::lock_guard<std::mutex> g(mu);
        if ((long)events.size() >= buffer_depth) { ++dropped_events; return false; }
        events.push_back({to_utf8(s), to_utf8(m), to_utf8(d)});
        return true;
    }
    void ADDIN_API CleanEventBuffer() override { std::lock_guard<std::mutex> g(mu); events.clear(); }
    bool ADDIN_API SetStatusLine(WCHAR_T*) override { return true; }
    void ADDIN_API ResetStatusLine() override {}

    std::string take_error() {
        std::lock_guard<std::mutex> g(mu);
        if (errors.empty()) return "";
        std::string e = errors.back();
        errors.clear();
        return e;
    }
    size_t event_count() { std::lock_guard<std::mutex> g(mu); return events.size(); }
    std::mutex mu;
    std::vector<std::string> errors;
    std::vector<Event> events;
    long buffer_depth = 1;  // the platform's default
    long dropped_events = 0;
    unsigned short last_wcode = 0;
    long last_scode = 0;
    std::string last_source;
};

// ---- the library -------------------------------------------------------------------------

typedef const WCHAR_T* (*GetClassNamesFn)();
typedef long (*GetClassObjectFn)(const WCHAR_T*, IComponentBase**);
typedef long (*DestroyObjectFn)(IComponentBase**);
typedef AppCapabilities (*SetPlatformCapabilitiesFn)(const AppCapabilities);
typedef AttachType (*GetAttachTypeFn)();

struct Library {
    void* handle = nullptr;
    GetClassNamesFn get_class_names = nullptr;
    GetClassObjectFn get_class_object = nullptr;
    DestroyObjectFn destroy_object = nullptr;
    SetPlatformCapabilitiesFn set_capabilities = nullptr;
    GetAttachTypeFn get_attach_type = nullptr;

    bool open(const char* path) {
        handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!handle) { fprintf(stderr, "dlopen: %s\n", dlerror()); return false; }
        get_class_names = (GetClassNamesFn)dlsym(handle, "GetClassNames");
        get_class_object = (GetClassObjectFn)dlsym(handle, "GetClassObject");
        destroy_object = (DestroyObjectFn)dlsym(handle, "DestroyObject");
        set_capabilities = (SetPlatformCapabilitiesFn)dlsym(handle, "SetPlatformCapabilities");
        get_attach_type = (GetAttachTypeFn)dlsym(handle, "GetAttachType");
        return get_class_names && get_class_object && destroy_object && set_capabilities && get_attach_type;
    }
    void close() { if (handle) dlclose(handle); handle = nullptr; }
};

// ---- variants ----------------------------------------------------------------------------

// Input variants own their buffers here (parameters belong to the platform, not to its
// memory manager).
struct Arg {
    tVariant v;
    std::vector<char16_t> wbuf;
    std::vector<char> bbuf;
    Arg() { memset(&v, 0, sizeof v); }
    Arg(const Arg& o) : v(o.v), wbuf(o.wbuf), bbuf(o.bbuf) { fix(); }
    Arg& operator=(const Arg& o) { v = o.v; wbuf = o.wbuf; bbuf = o.bbuf; fix(); return *this; }
    void fix() {
        if (v.vt == VTYPE_PWSTR && !wbuf.empty()) v.v.wstr.pwstrVal = (WCHAR_T*)wbuf.data();
        if ((v.vt == VTYPE_BLOB || v.vt == VTYPE_PSTR) && !bbuf.empty()) v.v.str.pstrVal = bbuf.data();
    }
};

static Arg A_empty() { return Arg(); }
static Arg A_null() { Arg a; a.v.vt = VTYPE_NULL; return a; }
static Arg A_bool(bool b) { Arg a; a.v.vt = VTYPE_BOOL; a.v.v.bVal = b; return a; }
static Arg A_i4(int32_t i) { Arg a; a.v.vt = VTYPE_I4; a.v.v.lVal = i; return a; }
static Arg A_r8(double d) { Arg a; a.v.vt = VTYPE_R8; a.v.v.dblVal = d; return a; }
static Arg A_wstr(const u16& s) {
    Arg a; a.v.vt = VTYPE_PWSTR;
    a.wbuf.assign(s.begin(), s.end()); a.wbuf.push_back(0);
    a.v.v.wstr.wstrLen = (uint32_t)s.size();
    a.fix();
    return a;
}
static Arg A_str(const std::string& s) { return A_wstr(from_utf8(s)); }
static Arg A_blob(const std::string& bytes) {
    Arg a; a.v.vt = VTYPE_BLOB;
    a.bbuf.assign(bytes.begin(), bytes.end()); if (a.bbuf.empty()) a.bbuf.push_back(0);
    a.v.v.str.strLen = (uint32_t)bytes.size();
    a.fix();
    return a;
}
static Arg A_date(int y, int mo, int d, int h, int mi, int s) {
    Arg a; a.v.vt = VTYPE_TM;
    a.v.v.tmVal.tm_year = y - 1900; a.v.v.tmVal.tm_mon = mo - 1; a.v.v.tmVal.tm_mday = d;
    a.v.v.tmVal.tm_hour = h; a.v.v.tmVal.tm_min = mi; a.v.v.tmVal.tm_sec = s;
    return a;
}

static std::string describe(const tVariant& v) {
    char b[64];
    switch (v.vt) {
        case VTYPE_EMPTY: return "Undefined";
        case VTYPE_NULL: return "Null";
        case VTYPE_BOOL: return v.v.bVal ? "true" : "false";
        case VTYPE_I4: snprintf(b, sizeof b, "%d", v.v.lVal); return b;
        case VTYPE_R8: snprintf(b, sizeof b, "%.17g", v.v.dblVal); return b;
        case VTYPE_PWSTR: return to_utf8((const char16_t*)v.v.wstr.pwstrVal, v.v.wstr.wstrLen);
        case VTYPE_BLOB: return std::string(v.v.str.pstrVal, v.v.str.strLen);
        default: snprintf(b, sizeof b, "<vt %d>", v.vt); return b;
    }
}

// ---- memory of one call (--peak) -----------------------------------------------------------

// The peak is reset (clear_refs 5) right before the call, so what the host held or freed before
// (its copies of a BLOB argument) does not hide what the library allocates during the call.
static bool g_peak = false;

static long status_kib(const char* key) {
    std::ifstream f("/proc/self/status");
    std::string line;
    size_t n = strlen(key);
    while (std::getline(f, line))
        if (line.compare(0, n, key) == 0) return atol(line.c_str() + n);
    return -1;
}

// --as-headroom MIB: during each call the address space may grow by at most MIB beyond what the
// host has mapped just before it (RLIMIT_AS), so that a large allocation in the library fails
// as it would in a full 32-bit client; the limit is lifted again after the call.
static long g_as_headroom_mib = -1;
static rlimit g_as_before;

static void limit_address_space() {
    if (g_as_headroom_mib < 0) return;
    getrlimit(RLIMIT_AS, &g_as_before);
    rlimit r = g_as_before;
    r.rlim_cur = (rlim_t)status_kib("VmSize:") * 1024 + (rlim_t)g_as_headroom_mib * 1024 * 1024;
    if (g_as_before.rlim_max != RLIM_INFINITY && r.rlim_cur > g_as_before.rlim_max) r.rlim_cur = g_as_before.rlim_max;
    setrlimit(RLIMIT_AS, &r);
}

static void unlimit_address_space() {
    if (g_as_headroom_mib >= 0) setrlimit(RLIMIT_AS, &g_as_before);
}

static void reset_peak() {
    FILE* f = fopen("/proc/self/clear_refs", "w");
    if (f) { fputs("5", f); fclose(f); }
}

// ---- the session: one object driven like the platform drives it --------------------------

struct Session {
    Library& lib;
    CountingMemory mem;
    RecordingConnection conn;
    IComponentBase* obj = nullptr;
    long rss_before_kib = -1, peak_during_kib = -1;  // of the last call, with --peak

    explicit Session(Library& l) : lib(l) {}

    // Creation as 1C does it: object, Init, setMemManager, GetInfo, RegisterExtensionAs,
    // SetLocale, SetUserInterfaceLanguageCode.
    bool create(const char* lang = "ru", bool memory_first = false) {
        u16 name = u"Messenger";
        if (!lib.get_class_object(W(name), &obj) || !obj) return false;
        bool ok;
        if (memory_first) { ok = obj->setMemManager(&mem) && obj->Init(&conn); }
        else { ok = obj->Init(&conn) && obj->setMemManager(&mem); }
        if (!ok || obj->GetInfo() != 2000) return false;
        WCHAR_T* ext = nullptr;
        ILanguageExtenderBase* le = obj;
        if (!le->RegisterExtensionAs(&ext) || !ext) return false;
        std::string ext_name = to_utf8(ext);
        mem.FreeMemory((void**)&ext);
        if (ext_name != "Messenger") return false;
        u16 loc = strcmp(lang, "ru") == 0 ? u16(u"ru_RU") : u16(u"en_US");
        u16 code = from_utf8(lang);
        obj->SetLocale(W(loc));
        obj->SetUserInterfaceLanguageCode(W(code));
        return true;
    }

    void destroy() {
        if (!obj) return;
        obj->Done();
        lib.destroy_object(&obj);
    }

    void release(tVariant& v) {
        // What the platform does with a result: free its buffer with the memory manager.
        if (v.vt == VTYPE_PWSTR && v.v.wstr.pwstrVal) mem.FreeMemory((void**)&v.v.wstr.pwstrVal);
        if ((v.vt == VTYPE_BLOB || v.vt == VTYPE_PSTR) && v.v.str.pstrVal) mem.FreeMemory((void**)&v.v.str.pstrVal);
        memset(&v, 0, sizeof v);
    }

    long method(const std::string& name) { return obj->FindMethod(W(from_utf8(name))); }
    long prop(const std::string& name) { return obj->FindProp(W(from_utf8(name))); }

    struct Result { bool ok; std::string value; int vt; std::string error; };

    // A function call as 1C makes it: omitted trailing parameters are filled from
    // GetParamDefValue; the result's buffer is freed afterwards.
    Result call(const std::string& name, std::vector<Arg> args) {
        long m = method(name);
        if (m < 0) return {false, "", -1, "no such method: " + name};
        long n = obj->GetNParams(m);
        std::vector<tVariant> defaults;
        for (long p = (long)args.size(); p < n; ++p) {
            Arg d;
            if (!obj->GetParamDefValue(m, p, &d.v)) return {false, "", -1, "missing required parameter"};
            // Default strings are platform memory the platform frees after the call.
            args.push_back(d);
            defaults.push_back(d.v);
        }
        return call_raw(m, args, true);
    }

    Result call_raw(long m, std::vector<Arg>& args, bool func) {
        std::vector<tVariant> params;
        for (auto& a : args) params.push_back(a.v);
        tVariant ret; memset(&ret, 0, sizeof ret);
        conn.take_error();
        if (g_peak) { reset_peak(); rss_before_kib = status_kib("VmRSS:"); }
        limit_address_space();
        bool ok = func ? obj->CallAsFunc(m, &ret, params.empty() ? nullptr : params.data(), (long)params.size())
                       : obj->CallAsProc(m, params.empty() ? nullptr : params.data(), (long)params.size());
        unlimit_address_space();
        if (g_peak) peak_during_kib = status_kib("VmHWM:");
        Result r{ok, describe(ret), ret.vt, conn.take_error()};
        release(ret);
        for (auto& p : params) {
            if (p.vt == VTYPE_PWSTR && mem.owns(p.v.wstr.pwstrVal)) mem.FreeMemory((void**)&p.v.wstr.pwstrVal);
        }
        return r;
    }

    Result get(const std::string& name) {
        long p = prop(name);
        tVariant v; memset(&v, 0, sizeof v);
        conn.take_error();
        bool ok = obj->GetPropVal(p, &v);
        Result r{ok, describe(v), v.vt, conn.take_error()};
        release(v);
        return r;
    }

    Result set(const std::string& name, Arg value) {
        long p = prop(name);
        conn.take_error();
        bool ok = obj->SetPropVal(p, &value.v);
        return {ok, "", 0, conn.take_error()};
    }

    std::string prop_name(long i, long alias) {
        const WCHAR_T* n = obj->GetPropName(i, alias);
        if (!n) return "(null)";
        std::string s = to_utf8(n);
        mem.FreeMemory((void**)&n);
        return s;
    }
    std::string method_name(long i, long alias) {
        const WCHAR_T* n = obj->GetMethodName(i, alias);
        if (!n) return "(null)";
        std::string s = to_utf8(n);
        mem.FreeMemory((void**)&n);
        return s;
    }
};

// ---- reporting ---------------------------------------------------------------------------

static int g_passed = 0, g_failed = 0;

static void check(bool cond, const std::string& what) {
    if (cond) { ++g_passed; printf("ok - %s\n", what.c_str()); }
    else { ++g_failed; printf("not ok - %s\n", what.c_str()); }
    fflush(stdout);
}

static bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
static bool contains(const std::string& s, const std::string& p) { return s.find(p) != std::string::npos; }

static int finish() {
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}

// ---- the member table as docs/en/reference.md fixes it ---------------------------------------------------

struct PropSpec { const char* en; const char* ru; bool writable; };
static const PropSpec kProps[] = {
    {"Version", "Версия", false}, {"LastError", "ПоследняяОшибка", false}, {"Timeout", "Таймаут", true},
    {"Proxy", "Прокси", true}, {"TelegramApiUrl", "АдресTelegramAPI", true},
    {"TrustedCertificates", "ДоверенныеСертификаты", true}, {"ThrowErrors", "ВызыватьИсключения", true},
};
struct MethodSpec { const char* en; const char* ru; int params; int required; };
static const MethodSpec kMethods[] = {
    {"MakeCert", "СоздатьСертификат", 4, 3}, {"SetWebhook", "УстановитьWebhook", 4, 2},
    {"GetWebhookInfo", "ПолучитьИнформациюWebhook", 1, 1}, {"DeleteWebhook", "УдалитьWebhook", 2, 1},
    {"CheckWebhook", "ПроверитьWebhook", 2, 1}, {"SendTelegram", "ОтправитьTelegram", 4, 3},
    {"CallTelegram", "ВызватьTelegram", 3, 2}, {"SendTelegramFile", "ОтправитьФайлTelegram", 5, 3},
    {"DownloadTelegramFile", "СкачатьФайлTelegram", 2, 2}, {"GetTelegramUpdates", "ПолучитьОбновленияTelegram", 4, 1},
    {"SendXmpp", "ОтправитьXMPP", 5, 4},
    {"XmppConnect", "ПодключитьXMPP", 3, 2}, {"XmppSend", "ОтправитьXMPPСообщение", 3, 2},
    {"XmppReceive", "ПолучитьXMPPСообщения", 1, 0}, {"XmppDisconnect", "ОтключитьXMPP", 0, 0},
    {"XmppSendStatus", "СостояниеXMPPОтправки", 1, 0},
    {"SendXmppFile", "ОтправитьФайлXMPP", 6, 4}, {"XmppSendFile", "ОтправитьXMPPФайл", 4, 2},
    {"XmppRoster", "ПолучитьXMPPКонтакты", 0, 0},
};
static const int kNProps = sizeof kProps / sizeof kProps[0];
static const int kNMethods = sizeof kMethods / sizeof kMethods[0];

static std::string upper_ascii(std::string s) { for (auto& c : s) c = (char)toupper((unsigned char)c); return s; }
static std::string lower_ascii(std::string s) { for (auto& c : s) c = (char)tolower((unsigned char)c); return s; }
// Case-changes Cyrillic too (UTF-8 of а-я / А-Я, ё/Ё), enough for our names.
static std::string upper_all(const std::string& s) {
    u16 w = from_utf8(s);
    for (auto& c : w) {
        if (c >= u'a' && c <= u'z') c = (char16_t)(c - 32);
        else if (c >= 0x430 && c <= 0x44F) c = (char16_t)(c - 32);
        else if (c == 0x451) c = 0x401;
    }
    return to_utf8(w.data(), w.size());
}

static std::string env_or(const char* name, const char* fallback) {
    const char* v = getenv(name);
    return v ? v : fallback;
}

static std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss; ss << f.rdbuf();
    return ss.str();
}

// ---- mode: sequence ----------------------------------------------------------------------

static int run_sequence(Library& lib) {
    check(lib.set_capabilities(eAppCapabilities3) == eAppCapabilitiesLast, "SetPlatformCapabilities answers the latest level");
    check(lib.get_attach_type() == eCanAttachAny, "GetAttachType allows isolated and not isolated");
    check(to_utf8(lib.get_class_names()) == "Messenger", "GetClassNames is Messenger");
    {
        IComponentBase* none = nullptr;
        u16 other = u"Другой";
        check(lib.get_class_object(W(other), &none) == 0 && none == nullptr, "GetClassObject refuses an unknown class");
    }

    Session s(lib);
    check(s.create("ru"), "create: GetClassObject, Init, setMemManager, GetInfo=2000, RegisterExtensionAs, SetLocale, SetUserInterfaceLanguageCode");
    check(s.conn.buffer_depth >= 100, "Init raised the event buffer depth (" + std::to_string(s.conn.buffer_depth) + ")");

    // Properties: both aliases, lookups in any case, access flags.
    check(s.obj->GetNProps() == kNProps, "GetNProps = " + std::to_string(kNProps));
    for (int i = 0; i < kNProps; ++i) {
        const PropSpec& p = kProps[i];
        check(s.prop_name(i, 0) == p.en && s.prop_name(i, 1) == p.ru, std::string("property names ") + p.en + " / " + p.ru);
        check(s.prop(p.en) == i && s.prop(p.ru) == i && s.prop(lower_ascii(p.en)) == i && s.prop(upper_all(p.ru)) == i,
              std::string("FindProp in any case: ") + p.en);
        check(s.obj->IsPropReadable(i) && s.obj->IsPropWritable(i) == p.writable, std::string("access of ") + p.en);
    }
    check(s.prop("NoSuchProperty") == -1, "FindProp of an unknown name is -1");

    // Methods: both aliases, parameter counts, defaults, return values.
    check(s.obj->GetNMethods() == kNMethods, "GetNMethods = " + std::to_string(kNMethods));
    for (int i = 0; i < kNMethods; ++i) {
        const MethodSpec& m = kMethods[i];
        check(s.method_name(i, 0) == m.en && s.method_name(i, 1) == m.ru, std::string("method names ") + m.en + " / " + m.ru);
        check(s.method(m.en) == i && s.method(m.ru) == i && s.method(upper_ascii(m.en)) == i &&
              s.method(lower_ascii(m.en)) == i && s.method(upper_all(m.ru)) == i,
              std::string("FindMethod in any case, Cyrillic included: ") + m.ru);
        check(s.obj->GetNParams(i) == m.params && s.obj->HasRetVal(i), std::string("GetNParams/HasRetVal of ") + m.en);
        bool defaults_ok = true;
        for (int p = 0; p < m.params; ++p) {
            tVariant d; memset(&d, 0, sizeof d);
            bool has = s.obj->GetParamDefValue(i, p, &d);
            if (has != (p >= m.required)) defaults_ok = false;
            s.release(d);
        }
        check(defaults_ok, std::string("GetParamDefValue only for the optional parameters of ") + m.en);
    }
    check(s.method("NoSuchMethod") == -1 && s.method("__ProbePanic") >= kNMethods,
          "FindMethod: unknown is -1; probes exist only beyond the enumerated methods");

    // Property values.
    auto r = s.get("Version");
    check(r.ok && r.vt == VTYPE_PWSTR && r.value == env_or("MESSENGER_EXPECT_VERSION", r.value.c_str()), "Version = " + r.value);
    r = s.get("Timeout");
    check(r.ok && r.value == "30", "Timeout defaults to 30");
    check(s.set("Таймаут", A_i4(5)).ok && s.get("Timeout").value == "5", "Timeout set to 5 reads back 5");
    check(s.set("Timeout", A_r8(2.5)).ok && s.get("Timeout").value == "2.5", "Timeout takes fractional seconds");
    r = s.set("Timeout", A_i4(0));
    check(!r.ok && starts_with(r.error, "[PROP_RANGE] Таймаут:"), "Timeout 0 is refused in Russian: " + r.error);
    check(s.conn.last_wcode == 1006 && s.conn.last_scode != 0 && s.conn.last_source == "Messenger",
          "AddError carries ADDIN_E_FAIL and a non-zero scode, so 1C raises an exception");
    check(s.get("ПоследняяОшибка").value == r.error, "LastError holds the same text");
    r = s.set("Timeout", A_str("10"));
    check(!r.ok && contains(r.error, "ожидается Число, передано Строка"), "Timeout as a String is a type error: " + r.error);
    check(s.get("Timeout").value == "2.5", "a refused value leaves the old one");
    check(s.get("Proxy").value == "" && s.set("Proxy", A_str("socks5h://user:pa%40ss@127.0.0.1:1080")).ok &&
          s.get("Прокси").value == "socks5h://user:pa%40ss@127.0.0.1:1080", "Proxy is checked and reads back as set");
    r = s.set("Proxy", A_str("socks5://user:secret@host"));
    check(!r.ok && starts_with(r.error, "[NET_PROXY_INVALID]") && !contains(r.error, "secret"), "a bad Proxy is refused without its password: " + r.error);
    check(s.set("Proxy", A_str("")).ok && s.get("Proxy").value == "", "an empty Proxy means a direct connection");
    check(s.get("TelegramApiUrl").value == "https://api.telegram.org", "TelegramApiUrl defaults to Telegram's");
    check(s.set("TelegramApiUrl", A_str("https://127.0.0.1:8443/")).ok && s.get("TelegramApiUrl").value == "https://127.0.0.1:8443",
          "TelegramApiUrl takes a local stand-in");
    r = s.set("TelegramApiUrl", A_str("api.telegram.org"));
    check(!r.ok && starts_with(r.error, "[PROP_API_URL]"), "TelegramApiUrl without a scheme is refused: " + r.error);
    std::string pem_path = env_or("MESSENGER_TEST_PEM", "");
    if (!pem_path.empty()) {
        std::string pem = read_file(pem_path);
        check(s.set("TrustedCertificates", A_str(pem)).ok && s.get("TrustedCertificates").value == pem, "TrustedCertificates takes a PEM certificate");
    }
    r = s.set("TrustedCertificates", A_str("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+x\n-----END PRIVATE KEY-----\n"));
    check(!r.ok && starts_with(r.error, "[NET_TRUSTED_IS_PRIVATE_KEY]") && !contains(r.error, "MC4CAQ"), "a private key is refused as a trusted certificate");
    r = s.set("Version", A_str("9"));
    check(!r.ok && starts_with(r.error, "[PROP_READ_ONLY] Версия:"), "Version is read-only");
    check(s.get("ThrowErrors").value == "true", "ThrowErrors defaults to True");

    // Calls with every variant type, through the echo probe.
    struct EchoCase { const char* what; Arg a; int vt; std::string value; };
    std::vector<EchoCase> echoes = {
        {"Undefined", A_empty(), VTYPE_EMPTY, "Undefined"},
        {"Null", A_null(), VTYPE_NULL, "Null"},
        {"Boolean", A_bool(true), VTYPE_BOOL, "true"},
        {"I4", A_i4(-123456), VTYPE_I4, "-123456"},
        {"R8", A_r8(3.25), VTYPE_R8, "3.25"},
        {"String Cyrillic + emoji + <&>", A_str("Привет, мир! 😀 <&>"), VTYPE_PWSTR, "Привет, мир! 😀 <&>"},
        {"empty String", A_str(""), VTYPE_PWSTR, ""},
        {"BinaryData", A_blob(std::string("\x00\x01\xff", 3)), VTYPE_BLOB, std::string("\x00\x01\xff", 3)},
        {"empty BinaryData", A_blob(""), VTYPE_BLOB, ""},
        {"Date", A_date(2026, 11, 23, 7, 5, 9), VTYPE_PWSTR, "2026-11-23T07:05:09"},
    };
    {
        Arg i2; i2.v.vt = VTYPE_I2; i2.v.v.shortVal = -7; echoes.push_back({"I2", i2, VTYPE_I4, "-7"});
        Arg i8; i8.v.vt = VTYPE_I8; i8.v.v.llVal = 5000000000LL; echoes.push_back({"I8 beyond 32 bits", i8, VTYPE_R8, "5000000000"});
        Arg r4; r4.v.vt = VTYPE_R4; r4.v.v.fltVal = 0.5f; echoes.push_back({"R4", r4, VTYPE_R8, "0.5"});
        Arg ui1; ui1.v.vt = VTYPE_UI1; ui1.v.v.ui8Val = 200; echoes.push_back({"UI1", ui1, VTYPE_I4, "200"});
        Arg ps; ps.v.vt = VTYPE_PSTR; ps.bbuf = {'a', 'b', 'c'}; ps.v.v.str.strLen = 3; ps.fix();
        echoes.push_back({"PSTR (UTF-8)", ps, VTYPE_PWSTR, "abc"});
    }
    for (auto& e : echoes) {
        auto res = s.call("__ProbeEcho", {e.a});
        check(res.ok && res.vt == e.vt && res.value == e.value, std::string("variant round trip: ") + e.what + " -> " + res.value);
    }
    {
        u16 lone = u"ab"; lone.push_back((char16_t)0xD800); lone += u"c";
        auto res = s.call("__ProbeEcho", {A_wstr(lone)});
        check(!res.ok && contains(res.error, "[ARG_TEXT]") && contains(res.error, "позиции 2"), "a lone surrogate is an error with its position: " + res.error);
        Arg clsid; clsid.v.vt = VTYPE_CLSID;
        res = s.call("__ProbeEcho", {clsid});
        check(!res.ok && contains(res.error, "[ARG_TYPE]"), "an unsupported variant type is a type error: " + res.error);
    }

    // A panic inside a member: an exception in 1C, the host alive, the object still usable.
    auto p = s.call("__ProbePanic", {});
    check(!p.ok && starts_with(p.error, "[INTERNAL_PANIC]") && contains(p.error, "panic on purpose"), "a panic becomes AddError: " + p.error);
    check(s.get("Version").ok && s.call("__ProbeEcho", {A_str("после паники")}).value == "после паники", "the object works after a panic");

    // External events from a background thread reach the platform.
    auto ev = s.call("__ProbeEvents", {A_i4(500)});
    check(ev.ok && ev.value == "true", "events probe started");
    for (int i = 0; i < 200 && s.conn.event_count() < 500; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    check(s.conn.event_count() == 500 && s.conn.dropped_events == 0, "500 events from a thread arrived, none dropped (" + std::to_string(s.conn.event_count()) + ")");
    check(s.conn.events.empty() ? false : s.conn.events[0].source == "Messenger" && s.conn.events[0].message == "Probe", "event source and name");

    // Every real method: a wrong type names the parameter; good arguments reach the module.
    for (int i = 0; i < kNMethods; ++i) {
        const MethodSpec& m = kMethods[i];
        if (m.params == 0) continue;
        std::vector<Arg> args;
        for (int k = 0; k < m.params; ++k) args.push_back(A_blob("x"));
        auto res = s.call(m.en, args);
        check(!res.ok && starts_with(res.error, std::string("[ARG_TYPE] ") + m.ru + ": параметр 1"), std::string("wrong type for ") + m.en + ": " + res.error);
    }

    // MakeCert through the platform's interface: without a directory the PEMs and the PFX come
    // back in the JSON; Cyrillic survives the round trip; module errors carry their codes.
    {
        auto mc = s.call("СоздатьСертификат", {A_str("127.0.0.1"), A_str(""), A_str("пароль-1"),
                                               A_str("{\"key\":\"ecdsa-p256\",\"organization\":\"ООО «Ромашка»\",\"days\":30}")});
        check(mc.ok && mc.vt == VTYPE_PWSTR && contains(mc.value, "\"cert_pem\":\"-----BEGIN CERTIFICATE-----") &&
                  contains(mc.value, "\"key_pem\":\"-----BEGIN PRIVATE KEY-----") && contains(mc.value, "\"pfx_base64\":\"") &&
                  contains(mc.value, "ООО «Ромашка»") && !contains(mc.value, "\"key_file\""),
              "MakeCert in memory returns the PEMs and the PFX, Cyrillic intact");
        auto bad = s.call("MAKECERT", {A_str(std::string(65, 'a') + ".example"), A_str(""), A_str("p")});
        check(!bad.ok && starts_with(bad.error, "[CERT_") && contains(bad.error, "СоздатьСертификат:"),
              "a MakeCert refusal carries the module's code: " + bad.error);
        auto typo = s.call("MakeCert", {A_str("127.0.0.1"), A_str(""), A_str("p"), A_str("{\"dayz\": 3}")});
        check(!typo.ok && starts_with(typo.error, "[ARG_OPTIONS]") && contains(typo.error, "dayz"), "a misspelt option is refused: " + typo.error);
    }

    // Errors follow the language: English after SetUserInterfaceLanguageCode("en").
    u16 en = u"en";
    s.obj->SetUserInterfaceLanguageCode(W(en));
    r = s.set("Timeout", A_i4(99999));
    check(!r.ok && r.error == "[PROP_RANGE] Timeout: expected a Number of seconds from 1 to 3600", "English errors: " + r.error);

    // ThrowErrors = False: no exception, Undefined/False, LastError set; a success clears it.
    check(s.set("ThrowErrors", A_bool(false)).ok, "ThrowErrors can be turned off");
    auto q = s.call("GetWebhookInfo", {A_i4(1)});
    check(q.ok && q.vt == VTYPE_EMPTY && q.error.empty(), "without exceptions a failed function returns Undefined");
    check(starts_with(s.get("LastError").value, "[ARG_TYPE] GetWebhookInfo: parameter 1 (Token): expected a String, got a Number"), "LastError tells why");
    q = s.call("XmppDisconnect", {A_i4(1)});
    check(q.ok && q.vt == VTYPE_BOOL && q.value == "false", "without exceptions a failed Boolean function returns False");
    check(s.call("__ProbeEcho", {A_str("x")}).ok && s.get("LastError").value.empty(), "a successful call clears LastError");
    check(s.set("ThrowErrors", A_bool(true)).ok, "ThrowErrors back on");

    // CallAsProc: a function called as a statement.
    {
        long m = s.method("__ProbeEcho");
        std::vector<Arg> args = {A_str("proc")};
        auto pr = s.call_raw(m, args, false);
        check(pr.ok, "CallAsProc runs a function as a procedure");
    }

    s.destroy();
    check(s.obj == nullptr, "Done + DestroyObject clear the pointer");
    check(s.mem.outstanding() == 0 && s.mem.foreign_frees == 0,
          "memory manager balanced: " + std::to_string(s.mem.allocs) + " allocations, " + std::to_string(s.mem.frees) + " frees");

    // Hosts that delete the object through its interface (OneScript), and that give the
    // memory manager before Init.
    {
        Session d(lib);
        check(d.create("en", true), "setMemManager before Init works too");
        d.call("__ProbeEvents", {A_i4(50)});
        d.obj->Done();
        IComponentBase* o = d.obj; d.obj = nullptr;
        delete o;  // the deleting destructor, through the primary vtable
        check(d.mem.outstanding() == 0, "delete through IComponentBase destroys the object");
    }
    {
        Session d(lib);
        check(d.create("en"), "another object");
        d.call("__ProbeEvents", {A_i4(100000)});
        ILanguageExtenderBase* le = d.obj;  // a secondary base: the this-adjusting destructor
        d.obj = nullptr;
        delete le;
        // Had the destructor not found the object, its event thread would still be running.
        size_t after = d.conn.event_count();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        check(d.conn.event_count() == after, "delete through ILanguageExtenderBase destroys the object and stops its thread");
    }
    {
        // A background thread still running when the object goes: Done must wait for it.
        Session d(lib);
        d.create("en");
        d.call("__ProbeEvents", {A_i4(100000)});
        d.destroy();
        check(d.mem.outstanding() == 0, "destroying an object with a busy event thread is clean");
    }
    return finish();
}

// ---- mode: badinput ----------------------------------------------------------------------

struct BadCase {
    std::string name;
    std::function<Session::Result(Session&)> run;
    std::string expect;  // the code the error must start with; "" = any [CODE]; "-" = no error, call refused;
                         // "=false" = the call succeeds and returns False
};

static std::string big_string(size_t units, char16_t c) { return to_utf8(u16(units, c).data(), units); }

static int run_badinput(Library& lib) {
    std::vector<BadCase> cases;
    std::string ten_mb = big_string(5 * 1024 * 1024, u'я');  // 10 MB of UTF-16
    u16 lone = u"abc"; lone.push_back((char16_t)0xDC00);

    for (int i = 0; i < kNMethods; ++i) {
        const MethodSpec& m = kMethods[i];
        std::string en = m.en;
        auto raw = [i](std::vector<Arg> args, bool func = true) {
            return [i, args, func](Session& s) mutable { return s.call_raw(i, args, func); };
        };
        // Counts.
        if (m.required > 0) cases.push_back({en + ": too few parameters", raw(std::vector<Arg>(m.required - 1, A_str("a"))), "[ARG_COUNT]"});
        cases.push_back({en + ": too many parameters", raw(std::vector<Arg>(m.params + 1, A_str("a"))), "[ARG_COUNT]"});
        cases.push_back({en + ": too many parameters as a procedure", raw(std::vector<Arg>(m.params + 3, A_empty()), false), "[ARG_COUNT]"});
        cases.push_back({en + ": negative count", [i](Session& s) { tVariant r; memset(&r, 0, sizeof r);
            s.conn.take_error(); bool ok = s.obj->CallAsFunc(i, &r, nullptr, -3); s.release(r); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_BAD_PARAM_COUNT]"});
        if (m.params > 0) {
            cases.push_back({en + ": null parameter array", [i, m](Session& s) { tVariant r; memset(&r, 0, sizeof r);
                s.conn.take_error(); bool ok = s.obj->CallAsFunc(i, &r, nullptr, m.params); s.release(r); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_NULL_POINTER]"});
        }
        cases.push_back({en + ": null result", [i, m](Session& s) { std::vector<Arg> a(m.params, A_str("x")); std::vector<tVariant> v; for (auto& x : a) v.push_back(x.v);
            s.conn.take_error(); bool ok = s.obj->CallAsFunc(i, nullptr, v.empty() ? nullptr : v.data(), m.params); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_NULL_POINTER]"});
        // Each parameter with each wrong type, a broken string, an empty and a huge one.
        for (int p = 0; p < m.params; ++p) {
            bool updates = en == "GetTelegramUpdates";
            auto with = [&](Arg bad) { std::vector<Arg> a(m.params, A_str("x")); if (en == "XmppReceive") a[0] = A_i4(0); if (en == "DeleteWebhook") a[1] = A_bool(false);
                if (updates) { a[1] = A_i4(0); a[2] = A_i4(0); } a[p] = bad; return a; };
            std::string pn = en + " p" + std::to_string(p + 1);
            bool is_number = en == "XmppReceive" || (updates && (p == 1 || p == 2));
            bool is_bool = en == "DeleteWebhook" && p == 1;
            bool is_chat = (en == "SendTelegram" || en == "SendTelegramFile") && p == 1;
            // The file parameters take BinaryData as well as a String: SendTelegramFile's (p3),
            // SendXmppFile's (p4), XmppSendFile's (p2).
            bool is_file = (en == "SendTelegramFile" && p == 2) || (en == "SendXmppFile" && p == 3) ||
                           (en == "XmppSendFile" && p == 1);
            if (!is_number && !is_bool) {
                if (!is_chat) cases.push_back({pn + ": Number instead of String", raw(with(A_i4(7))), "[ARG_TYPE]"});
                cases.push_back({pn + ": Boolean instead of String", raw(with(A_bool(true))), "[ARG_TYPE]"});
                if (!is_file) cases.push_back({pn + ": BinaryData instead of String", raw(with(A_blob("\x01"))), "[ARG_TYPE]"});
                cases.push_back({pn + ": Date instead of String", raw(with(A_date(2020, 1, 1, 0, 0, 0))), "[ARG_TYPE]"});
                cases.push_back({pn + ": Undefined instead of String", raw(with(A_empty())), "[ARG_TYPE]"});
                cases.push_back({pn + ": lone surrogate", raw(with(A_wstr(lone))), "[ARG_TEXT]"});
                cases.push_back({pn + ": 10 MB string", raw(with(A_str(ten_mb))), ""});
                // An empty optional parameter is its default, a valid call; a required one is not.
                if (p < m.required) cases.push_back({pn + ": empty string", raw(with(A_str(""))), ""});
            } else if (is_number) {
                cases.push_back({pn + ": String instead of Number", raw(with(A_str("5"))), "[ARG_TYPE]"});
                // An offset may be negative (the last N updates) and large; a wait may not.
                bool offset = updates && p == 1;
                if (!offset) cases.push_back({pn + ": negative", raw(with(A_i4(-1))), "[ARG_RANGE]"});
                cases.push_back({pn + ": too large", raw(with(A_r8(offset ? 1e17 : 1e12))), "[ARG_RANGE]"});
                cases.push_back({pn + ": fractional", raw(with(A_r8(0.5))), "[ARG_RANGE]"});
                cases.push_back({pn + ": NaN", raw(with(A_r8(NAN))), "[ARG_RANGE]"});
            } else {
                cases.push_back({pn + ": String instead of Boolean", raw(with(A_str("true"))), "[ARG_TYPE]"});
                cases.push_back({pn + ": Number instead of Boolean", raw(with(A_i4(1))), "[ARG_TYPE]"});
            }
        }
        // Options that are not a JSON object, where the method has them.
        int opt = -1;
        for (int p = 0; p < m.params; ++p) if (p == m.params - 1 && (en == "MakeCert" || en == "SetWebhook" || en == "SendTelegram" || en == "CallTelegram" || en == "SendXmpp" || en == "XmppConnect" || en == "XmppSend" || en == "SendTelegramFile" || en == "GetTelegramUpdates")) opt = p;
        if (opt >= 0) {
            // SendTelegram, CallTelegram and SendTelegramFile pass any key on to the Bot API; the
            // others know theirs.
            bool passthrough = en == "SendTelegram" || en == "CallTelegram" || en == "SendTelegramFile";
            for (const char* bad : {"{", "[1,2]", "42", "\"text\"", "{\"no_such_option\": 1}", "{\"a\":}", "null", "{\"x\": 1"}) {
                if (passthrough && strcmp(bad, "{\"no_such_option\": 1}") == 0) continue;
                std::vector<Arg> a(m.params, A_str("x"));
                if (en == "SendTelegram" || en == "SendTelegramFile") a[1] = A_str("12345");
                if (en == "GetTelegramUpdates") { a[1] = A_i4(0); a[2] = A_i4(0); }
                a[opt] = A_str(bad);
                cases.push_back({en + ": options " + bad, raw(a), "[ARG_OPTIONS]"});
            }
        }
    }

    // Out-of-range indices and alias numbers for every member function.
    for (long idx : {-1L, (long)kNMethods + 100, 1L << 30}) {
        std::string n = std::to_string(idx);
        cases.push_back({"GetPropName(" + n + ")", [idx](Session& s) { return Session::Result{s.prop_name(idx, 0) != "(null)", "", 0, ""}; }, "-"});
        cases.push_back({"GetMethodName(" + n + ")", [idx](Session& s) { return Session::Result{s.method_name(idx, 1) != "(null)", "", 0, ""}; }, "-"});
        cases.push_back({"GetNParams(" + n + ")", [idx](Session& s) { return Session::Result{s.obj->GetNParams(idx) != 0, "", 0, ""}; }, "-"});
        cases.push_back({"HasRetVal(" + n + ")", [idx](Session& s) { return Session::Result{s.obj->HasRetVal(idx), "", 0, ""}; }, "-"});
        cases.push_back({"IsPropReadable(" + n + ")", [idx](Session& s) { return Session::Result{s.obj->IsPropReadable(idx), "", 0, ""}; }, "-"});
        cases.push_back({"IsPropWritable(" + n + ")", [idx](Session& s) { return Session::Result{s.obj->IsPropWritable(idx), "", 0, ""}; }, "-"});
        cases.push_back({"GetParamDefValue(" + n + ", 0)", [idx](Session& s) { tVariant v; memset(&v, 0, sizeof v); bool ok = s.obj->GetParamDefValue(idx, 0, &v); s.release(v); return Session::Result{ok, "", 0, ""}; }, "-"});
        cases.push_back({"GetParamDefValue(0, " + n + ")", [idx](Session& s) { tVariant v; memset(&v, 0, sizeof v); bool ok = s.obj->GetParamDefValue(0, idx, &v); s.release(v); return Session::Result{ok, "", 0, ""}; }, "-"});
        cases.push_back({"GetPropVal(" + n + ")", [idx](Session& s) { tVariant v; memset(&v, 0, sizeof v); s.conn.take_error(); bool ok = s.obj->GetPropVal(idx, &v); s.release(v); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_BAD_INDEX]"});
        cases.push_back({"SetPropVal(" + n + ")", [idx](Session& s) { Arg a = A_str("x"); s.conn.take_error(); bool ok = s.obj->SetPropVal(idx, &a.v); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_BAD_INDEX]"});
        cases.push_back({"CallAsFunc(" + n + ")", [idx](Session& s) { std::vector<Arg> a; return s.call_raw(idx, a, true); }, "[HOST_BAD_INDEX]"});
        cases.push_back({"CallAsProc(" + n + ")", [idx](Session& s) { std::vector<Arg> a{A_str("x")}; return s.call_raw(idx, a, false); }, "[HOST_BAD_INDEX]"});
    }
    for (long alias : {-1L, 2L, 99L}) {
        cases.push_back({"GetPropName(0, alias " + std::to_string(alias) + ")", [alias](Session& s) { return Session::Result{s.prop_name(0, alias) != "(null)", "", 0, ""}; }, "-"});
        cases.push_back({"GetMethodName(0, alias " + std::to_string(alias) + ")", [alias](Session& s) { return Session::Result{s.method_name(0, alias) != "(null)", "", 0, ""}; }, "-"});
    }

    // Null pointers where the interface takes pointers.
    cases.push_back({"FindMethod(null)", [](Session& s) { return Session::Result{s.obj->FindMethod(nullptr) != -1, "", 0, ""}; }, "-"});
    cases.push_back({"FindProp(null)", [](Session& s) { return Session::Result{s.obj->FindProp(nullptr) != -1, "", 0, ""}; }, "-"});
    cases.push_back({"RegisterExtensionAs(null)", [](Session& s) { s.conn.take_error(); bool ok = s.obj->RegisterExtensionAs(nullptr); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_NULL_POINTER]"});
    cases.push_back({"GetPropVal(0, null)", [](Session& s) { s.conn.take_error(); bool ok = s.obj->GetPropVal(0, nullptr); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_NULL_POINTER]"});
    cases.push_back({"SetPropVal(Timeout, null)", [](Session& s) { s.conn.take_error(); bool ok = s.obj->SetPropVal(2, nullptr); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_NULL_POINTER]"});
    cases.push_back({"GetParamDefValue(0, 3, null)", [](Session& s) { s.conn.take_error(); bool ok = s.obj->GetParamDefValue(0, 3, nullptr); return Session::Result{ok, "", 0, s.conn.take_error()}; }, "[HOST_NULL_POINTER]"});
    cases.push_back({"SetLocale(null)", [](Session& s) { s.obj->SetLocale(nullptr); s.obj->SetUserInterfaceLanguageCode(nullptr); return Session::Result{false, "", 0, ""}; }, "-"});
    cases.push_back({"string variant with null pointer and a length", [](Session& s) { Arg a; a.v.vt = VTYPE_PWSTR; a.v.v.wstr.pwstrVal = nullptr; a.v.v.wstr.wstrLen = 10;
        std::vector<Arg> args{a}; return s.call_raw(s.method("GetWebhookInfo"), args, true); }, "[ARG_TEXT]"});
    cases.push_back({"BinaryData with null pointer and a length", [](Session& s) { Arg a; a.v.vt = VTYPE_BLOB; a.v.v.str.pstrVal = nullptr; a.v.v.str.strLen = 10;
        std::vector<Arg> args{a}; return s.call_raw(s.method("GetWebhookInfo"), args, true); }, "[ARG_TYPE]"});
    cases.push_back({"FindMethod of a 1 MB name", [](Session& s) { u16 n(1 << 20, u'a'); return Session::Result{s.obj->FindMethod(W(n)) != -1, "", 0, ""}; }, "-"});
    cases.push_back({"FindProp of a lone surrogate", [](Session& s) { u16 n = u"Vers"; n.push_back((char16_t)0xD800); return Session::Result{s.obj->FindProp(W(n)) != -1, "", 0, ""}; }, "-"});
    cases.push_back({"allocation refused for a result", [](Session& s) { s.mem.fail_next = true; return s.get("Version"); }, "[HOST_OUT_OF_MEMORY]"});
    cases.push_back({"allocation refused for a name", [](Session& s) { s.mem.fail_next = true; return Session::Result{s.prop_name(0, 0) != "(null)", "", 0, ""}; }, "-"});

    // Properties with wrong values.
    for (const char* p : {"Proxy", "TelegramApiUrl", "TrustedCertificates"}) {
        std::string pn = p;
        cases.push_back({pn + " = Number", [pn](Session& s) { return s.set(pn, A_i4(1)); }, "[PROP_TYPE]"});
        cases.push_back({pn + " = Boolean", [pn](Session& s) { return s.set(pn, A_bool(true)); }, "[PROP_TYPE]"});
        cases.push_back({pn + " = Undefined", [pn](Session& s) { return s.set(pn, A_empty()); }, "[PROP_TYPE]"});
        cases.push_back({pn + " = lone surrogate", [pn, lone](Session& s) { return s.set(pn, A_wstr(lone)); }, "[PROP_TEXT]"});
        cases.push_back({pn + " = 10 MB string", [pn, ten_mb](Session& s) { return s.set(pn, A_str(ten_mb)); }, ""});
    }
    for (const char* bad : {"http://", "ftp://h:1", "socks5://h", "h:3128", "http://h:3128/x", "http://u:p@h:99999"})
        cases.push_back({std::string("Proxy = ") + bad, [bad](Session& s) { return s.set("Proxy", A_str(bad)); }, "[NET_PROXY_INVALID]"});
    for (const char* bad : {"telegram", "ftp://x", "https://x/?q=1", "https://u:p@x"})
        cases.push_back({std::string("TelegramApiUrl = ") + bad, [bad](Session& s) { return s.set("TelegramApiUrl", A_str(bad)); }, "[PROP_API_URL]"});
    for (const char* bad : {"hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"})
        cases.push_back({std::string("TrustedCertificates = garbage"), [bad](Session& s) { return s.set("TrustedCertificates", A_str(bad)); }, "[NET_TRUSTED_PEM_INVALID]"});
    for (double t : {0.0, -1.0, 0.999, 3600.5, 1e300, (double)NAN, (double)INFINITY})
        cases.push_back({"Timeout = " + std::to_string(t), [t](Session& s) { return s.set("Timeout", A_r8(t)); }, "[PROP_RANGE]"});
    cases.push_back({"Timeout = String", [](Session& s) { return s.set("Timeout", A_str("30")); }, "[PROP_TYPE]"});
    cases.push_back({"ThrowErrors = Number", [](Session& s) { return s.set("ThrowErrors", A_i4(0)); }, "[PROP_TYPE]"});
    cases.push_back({"ThrowErrors = String", [](Session& s) { return s.set("ThrowErrors", A_str("Ложь")); }, "[PROP_TYPE]"});
    cases.push_back({"Version = x", [](Session& s) { return s.set("Version", A_str("x")); }, "[PROP_READ_ONLY]"});
    cases.push_back({"LastError = x", [](Session& s) { return s.set("LastError", A_str("x")); }, "[PROP_READ_ONLY]"});

    // The session members without a session (the table never connects one): XmppSend and
    // XmppReceive say so, XmppDisconnect answers False; an unreachable BOSH endpoint is a
    // network error.
    cases.push_back({"XmppSend without XmppConnect", [](Session& s) { return s.call("XmppSend", {A_str("bob@localhost"), A_str("текст")}); }, "[XMPP_NOT_CONNECTED]"});
    cases.push_back({"XmppSend with options without XmppConnect", [](Session& s) { return s.call("XmppSend", {A_str("bob@localhost"), A_str("x"), A_str("{\"type\":\"chat\",\"id\":\"m1\"}")}); }, "[XMPP_NOT_CONNECTED]"});
    cases.push_back({"XmppReceive(0) without XmppConnect", [](Session& s) { return s.call("XmppReceive", {A_i4(0)}); }, "[XMPP_NOT_CONNECTED]"});
    cases.push_back({"XmppReceive() without XmppConnect", [](Session& s) { return s.call("XmppReceive", {}); }, "[XMPP_NOT_CONNECTED]"});
    cases.push_back({"XmppDisconnect without XmppConnect", [](Session& s) { return s.call("XmppDisconnect", {}); }, "=false"});
    // Refused at once natively ([XMPP_NETWORK]); under valgrind, ~50 times slower, setting up the
    // HTTP client can outlast the 1 s Timeout ([XMPP_TIMEOUT]): either is a clean refusal.
    cases.push_back({"XmppConnect over BOSH to a closed port", [](Session& s) { return s.call("XmppConnect", {A_str("alice@localhost"), A_str("pw"), A_str("{\"bosh_url\":\"http://127.0.0.1:9/http-bind\"}")}); }, "[XMPP_"});
    cases.push_back({"XmppConnect to a closed port", [](Session& s) { return s.call("XmppConnect", {A_str("alice@localhost"), A_str("pw"), A_str("{\"server\":\"127.0.0.1:9\"}")}); }, "[XMPP_"});
    cases.push_back({"XmppSend after a failed XmppConnect", [](Session& s) { return s.call("XmppSend", {A_str("bob@localhost"), A_str("x")}); }, "[XMPP_NOT_CONNECTED]"});

    // Run: one object for the table, as a 1C session would keep one; memory balanced after
    // every case; the object still answers after all of them.
    Session s(lib);
    if (!s.create("ru")) { check(false, "create"); return finish(); }
    // Keep the real methods away from the network: a closed local port, 1 second.
    s.set("Timeout", A_i4(1));
    s.set("TelegramApiUrl", A_str("http://127.0.0.1:9"));
    int n = 0;
    for (auto& c : cases) {
        ++n;
        auto r = c.run(s);
        bool good;
        if (c.expect == "-") good = !r.ok;
        else if (c.expect == "=false") good = r.ok && r.vt == VTYPE_BOOL && r.value == "false" && r.error.empty();
        else if (c.expect.empty()) good = !r.ok && starts_with(r.error, "[") && contains(r.error, "] ");
        else good = !r.ok && starts_with(r.error, c.expect);
        bool balanced = s.mem.outstanding() == 0 && s.mem.foreign_frees == 0;
        std::string err = r.error;
        if (err.size() > 160) {
            size_t cut = 160;
            while (cut > 0 && ((unsigned char)err[cut] & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
            err = err.substr(0, cut) + "…";
        }
        check(good && balanced, "bad input " + std::to_string(n) + ": " + c.name + (err.empty() ? "" : " -> " + err) + (balanced ? "" : " [MEMORY NOT BALANCED]"));
    }
    check(n >= 200, "at least 200 bad-input cases (" + std::to_string(n) + ")");
    check(s.get("Version").ok && s.call("__ProbeEcho", {A_str("жив")}).value == "жив", "the object still works after every bad input");
    // No memory manager, no connection: calls fail without a crash.
    {
        u16 name = u"Messenger";
        IComponentBase* bare = nullptr;
        lib.get_class_object(W(name), &bare);
        tVariant v; memset(&v, 0, sizeof v);
        check(bare && !bare->GetPropVal(0, &v) && bare->GetPropName(0, 0) == nullptr, "without Init and setMemManager nothing is returned, nothing crashes");
        WCHAR_T* ext = nullptr;
        check(!bare->RegisterExtensionAs(&ext) && ext == nullptr, "RegisterExtensionAs without a memory manager fails cleanly");
        RecordingConnection c2;
        bare->Init(&c2);
        check(!bare->GetPropVal(0, &v) && starts_with(c2.take_error(), "[HOST_NO_MEMORY_MANAGER]"), "without setMemManager the error says so");
        lib.destroy_object(&bare);
        check(lib.destroy_object(&bare) == -1 && lib.destroy_object(nullptr) == -1, "DestroyObject of null is -1");
    }
    s.destroy();
    check(s.mem.outstanding() == 0, "memory manager balanced after the table (" + std::to_string(s.mem.allocs) + " allocations)");
    return finish();
}

// ---- mode: random ------------------------------------------------------------------------

struct Rng {
    uint64_t x;
    explicit Rng(uint64_t seed) : x(seed * 2654435761u + 88172645463325252ull) {}
    uint64_t next() { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; }
    long range(long lo, long hi) { return lo + (long)(next() % (uint64_t)(hi - lo + 1)); }
    bool chance(int percent) { return (long)(next() % 100) < percent; }
};

static Arg random_arg(Rng& r) {
    switch (r.range(0, 9)) {
        case 0: return A_empty();
        case 1: return A_bool(r.chance(50));
        case 2: return A_i4((int32_t)r.range(-5, 5000));
        case 3: return A_r8((double)r.range(-100, 100) / 3.0);
        case 4: return A_blob(std::string((size_t)r.range(0, 40), (char)r.range(0, 255)));
        case 5: return A_date((int)r.range(1, 3000), (int)r.range(1, 12), (int)r.range(1, 28), 0, 0, 0);
        case 6: {
            const char* pool[] = {"", "{}", "{\"days\":1}", "[", "null", "{\"type\":\"chat\"}", "@channel", "user@localhost", "https://x", "Привет"};
            return A_str(pool[r.range(0, 9)]);
        }
        case 7: { Arg a; a.v.vt = (TYPEVAR)r.range(0, 30); a.v.v.ullVal = 0; return a; }
        default: {
            u16 s;
            long n = r.range(0, 60);
            for (long i = 0; i < n; ++i) s.push_back((char16_t)(r.chance(5) ? r.range(0xD800, 0xDFFF) : r.range(0x20, 0x44F)));
            return A_wstr(s);
        }
    }
}

static int run_random(Library& lib, uint64_t seed, long count, double seconds) {
    Rng r(seed);
    Session s(lib);
    if (!s.create(r.chance(50) ? "ru" : "en")) { check(false, "create"); return finish(); }
    auto start = std::chrono::steady_clock::now();
    long done = 0;
    long nmeth = kNMethods + 3;  // the probes too, except the panic one by chance
    for (; done < count; ++done) {
        if ((done & 1023) == 0) {
            double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (el > seconds) break;
            // Keep real methods off the network and quick.
            s.set("Timeout", A_i4(1));
            s.set("TelegramApiUrl", A_str("http://127.0.0.1:9"));
        }
        long idx = r.range(-2, nmeth + 1);
        switch (r.range(0, 11)) {
            case 0: { tVariant v; memset(&v, 0, sizeof v); s.obj->GetPropVal(r.range(-2, kNProps + 1), &v); s.release(v); break; }
            case 1: { Arg a = random_arg(r); long p = r.range(-2, kNProps + 1); if (p != 2 && p != 4) s.obj->SetPropVal(p, &a.v); break; }
            case 2: s.prop_name(r.range(-2, kNProps + 1), r.range(-1, 2)); break;
            case 3: s.method_name(idx, r.range(-1, 2)); break;
            case 4: s.obj->GetNParams(idx); s.obj->HasRetVal(idx); s.obj->IsPropReadable(idx); s.obj->IsPropWritable(idx); break;
            case 5: { tVariant v; memset(&v, 0, sizeof v); s.obj->GetParamDefValue(idx, r.range(-1, 5), &v); s.release(v); break; }
            case 6: { Arg a = random_arg(r); if (a.v.vt == VTYPE_PWSTR) { s.obj->FindMethod(a.v.v.wstr.pwstrVal); s.obj->FindProp(a.v.v.wstr.pwstrVal); } break; }
            case 7: { u16 l = r.chance(50) ? u"ru_RU" : u"en"; s.obj->SetLocale(W(l)); s.obj->SetUserInterfaceLanguageCode(W(l)); break; }
            default: {
                if (idx == s.method("__ProbePanic") && !r.chance(2)) break;
                if (idx == s.method("__ProbeEvents")) break;
                std::vector<Arg> args;
                long n = r.range(0, 6);
                for (long k = 0; k < n; ++k) args.push_back(random_arg(r));
                s.call_raw(idx, args, r.chance(80));
            }
        }
        if (s.mem.foreign_frees) break;
    }
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    check(s.get("Version").ok, "the object still works after the random run");
    s.destroy();
    check(s.mem.outstanding() == 0 && s.mem.foreign_frees == 0,
          "random run, seed " + std::to_string(seed) + ": " + std::to_string(done) + " calls in " + std::to_string(el) +
              " s, memory balanced (" + std::to_string(s.mem.allocs) + " allocations)");
    check(done >= count || el > seconds, "the run reached its count or its time bound");
    printf("random calls: %ld\n", done);
    return finish();
}

// ---- mode: bench -------------------------------------------------------------------------

static long rss_kib() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int run_bench(Library& lib, long n) {
    Session s(lib);
    if (!s.create("en")) return 1;
    long rss0 = rss_kib();
    auto time = [&](const char* what, std::function<void()> f) {
        for (long i = 0; i < n / 10; ++i) f();  // warm-up
        auto t0 = std::chrono::steady_clock::now();
        for (long i = 0; i < n; ++i) f();
        double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / (double)n;
        printf("{\"bench\":%s,\"calls\":%ld,\"ns_per_call\":%.1f}\n", json_escape(what).c_str(), n, ns);
    };
    long version = s.prop("Version"), timeout = s.prop("Timeout");
    time("GetPropVal(Version) + free", [&] { tVariant v; memset(&v, 0, sizeof v); s.obj->GetPropVal(version, &v); s.release(v); });
    time("GetPropVal(Timeout)", [&] { tVariant v; memset(&v, 0, sizeof v); s.obj->GetPropVal(timeout, &v); });
    time("FindMethod(\"ОтправитьXMPP\")", [&] { u16 n = u"ОтправитьXMPP"; s.obj->FindMethod(W(n)); });
    long echo = s.method("__ProbeEcho");
    std::vector<Arg> args = {A_str("Привет, мир")};
    time("CallAsFunc(__ProbeEcho, 11-char String) + free", [&] { s.call_raw(echo, args, true); });
    long info = s.method("GetWebhookInfo");
    std::vector<Arg> bad = {A_i4(1)};
    time("CallAsFunc failing with a localized error", [&] { s.call_raw(info, bad, true); });
    long rss1 = rss_kib();
    s.destroy();
    printf("{\"memory_manager\":{\"allocations\":%ld,\"frees\":%ld,\"outstanding\":%zu},\"rss_kib_before\":%ld,\"rss_kib_after\":%ld}\n",
           s.mem.allocs, s.mem.frees, s.mem.outstanding(), rss0, rss1);
    return s.mem.outstanding() == 0 ? 0 : 1;
}

// ---- mode: session -----------------------------------------------------------------------
//
// The persistent XMPP session (XmppConnect / XmppSend / XmppReceive / XmppDisconnect) against
// a real server, then the object destroyed with the session live and the library unloaded:
// exactly one thread (this one) may be left, and no event may arrive after DestroyObject.

static long thread_count() {
    long n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d)) if (e->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

// A joined thread can stay listed for a moment after join returns: give it up to 3 s.
static long settled_thread_count() {
    for (int i = 0; i < 300 && thread_count() > 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return thread_count();
}

// The string value of "key" in JSON text, searched from `from`; decodes the escapes.
// Returns false when the key is absent or its value is not a string (null included).
static bool json_string(const std::string& j, const std::string& key, std::string& out, size_t from = 0) {
    std::string k = "\"" + key + "\"";
    size_t p = j.find(k, from);
    if (p == std::string::npos) return false;
    p += k.size();
    while (p < j.size() && isspace((unsigned char)j[p])) ++p;
    if (p >= j.size() || j[p] != ':') return false;
    ++p;
    while (p < j.size() && isspace((unsigned char)j[p])) ++p;
    if (p >= j.size() || j[p] != '"') return false;
    ++p;
    u16 w;
    while (p < j.size() && j[p] != '"') {
        if (j[p] == '\\' && p + 1 < j.size()) {
            char e = j[++p];
            if (e == 'u' && p + 4 < j.size()) { w.push_back((char16_t)strtol(j.substr(p + 1, 4).c_str(), nullptr, 16)); p += 5; continue; }
            w.push_back(e == 'n' ? u'\n' : e == 't' ? u'\t' : e == 'r' ? u'\r' : e == 'b' ? u'\b' : e == 'f' ? u'\f' : (char16_t)e);
            ++p;
            continue;
        }
        // a run of plain UTF-8 up to the next quote or backslash
        size_t q = p;
        while (q < j.size() && j[q] != '"' && j[q] != '\\') ++q;
        u16 part = from_utf8(j.substr(p, q - p));
        w += part;
        p = q;
    }
    out = to_utf8(w.data(), w.size());
    return p < j.size();
}

// The raw token after "key": (true, false, null, a number), "" when absent.
static std::string json_token(const std::string& j, const std::string& key) {
    std::string k = "\"" + key + "\"";
    size_t p = j.find(k);
    if (p == std::string::npos) return "";
    p += k.size();
    while (p < j.size() && (isspace((unsigned char)j[p]) || j[p] == ':')) ++p;
    size_t q = p;
    while (q < j.size() && (isalnum((unsigned char)j[q]) || j[q] == '.' || j[q] == '-')) ++q;
    return j.substr(p, q - p);
}

static size_t count_of(const std::string& s, const std::string& needle) {
    size_t n = 0;
    for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + needle.size())) ++n;
    return n;
}

// Waits (bounded) until the connection has recorded an event that satisfies `pred`.
static bool await_event(RecordingConnection& c, std::function<bool(const Event&)> pred, int ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    do {
        {
            std::lock_guard<std::mutex> g(c.mu);
            for (auto& e : c.events) if (pred(e)) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < until);
    return false;
}

static void prepare_for_session(Session& s) {
    s.set("Timeout", A_i4(10));
    std::string pem_path = env_or("MESSENGER_TEST_PEM", "");
    if (!pem_path.empty()) check(s.set("TrustedCertificates", A_str(read_file(pem_path))).ok, "TrustedCertificates = the test server's certificate");
}

// Connects `s`, checks the answer, returns the bound full JID ("" on failure).
static std::string session_connect(Session& s, const std::string& who, const std::string& jid, const std::string& pw, const std::string& opts) {
    auto r = s.call("XmppConnect", {A_str(jid), A_str(pw), A_str(opts)});
    std::string full;
    bool ok = r.ok && json_string(r.value, "jid", full) && starts_with(full, jid + "/");
    check(ok, who + ": XmppConnect " + jid + " -> " + (r.ok ? r.value : r.error));
    std::string transport, mechanism;
    bool bosh = contains(opts, "bosh_url");
    check(ok && json_string(r.value, "transport", transport) &&
              (bosh ? transport == "bosh" : (transport == "tcp" || transport == "tls")) &&
              json_string(r.value, "mechanism", mechanism) && !mechanism.empty(),
          who + ": the answer names transport and mechanism");
    check(json_token(r.value, "stream_management") == "true", who + ": stream management is on (both test servers offer XEP-0198)");
    return ok ? full : "";
}

// `from` sends `text` to `to_jid`; `to` must get it from XmppReceive(5) and as an XmppMessage
// event. Returns the message's id.
static std::string session_exchange(Session& from, const std::string& from_jid, Session& to, const std::string& to_jid, const std::string& text, const std::string& what) {
    auto sent = from.call("XmppSend", {A_str(to_jid), A_str(text)});
    std::string id;
    check(sent.ok && json_token(sent.value, "acked") == "true" && json_string(sent.value, "id", id) && !id.empty(),
          what + ": XmppSend is acked -> " + (sent.ok ? sent.value : sent.error));
    auto got = to.call("XmppReceive", {A_i4(5)});
    std::string body, sender, recipient;
    check(got.ok && starts_with(got.value, "[") && count_of(got.value, "\"body\"") == 1 && json_string(got.value, "body", body) &&
              body == text && json_string(got.value, "from", sender) && sender == from_jid,
          what + ": XmppReceive(5) returns the one message, text and sender intact -> " + (got.ok ? got.value : got.error));
    bool to_ok = json_string(got.value, "to", recipient) && recipient == to_jid;
    check(to_ok, what + ": its 'to' is the receiving session's JID (" + recipient + ")");
    std::string got_id;
    check(json_string(got.value, "id", got_id) && got_id == id, what + ": the message id is the one XmppSend returned");
    auto again = to.call("XmppReceive", {A_i4(0)});
    std::string compact = again.value;
    compact.erase(std::remove_if(compact.begin(), compact.end(), [](char c) { return isspace((unsigned char)c); }), compact.end());
    check(again.ok && compact == "[]", what + ": XmppReceive removed it (next call: " + again.value + ")");
    check(await_event(to.conn, [&](const Event& e) {
              std::string b;
              return e.source == "Messenger" && e.message == "XmppMessage" && json_string(e.data, "body", b) && b == text;
          }, 5000),
          what + ": ExternalEvent(Messenger, XmppMessage) carried the message to the platform");
    return id;
}

// XmppSendStatus as 1C server code uses it: the acked message is reported once by "", and by its
// id whenever asked; an id the session never had is failed with a reason.
static void session_status(Session& s, const std::string& id, const std::string& what) {
    auto all = s.call("XmppSendStatus", {A_str("")});
    std::string row = "{\"id\":\"" + id + "\",\"state\":\"acked\"";
    check(all.ok && contains(all.value, row), what + ": XmppSendStatus(\"\") reports the message acked -> " + (all.ok ? all.value : all.error));
    auto again = s.call("XmppSendStatus", {});
    check(again.ok && again.value == "[]", what + ": reported once, the next XmppSendStatus() is [] -> " + again.value);
    auto by_id = s.call("XmppSendStatus", {A_str(id)});
    check(by_id.ok && contains(by_id.value, row), what + ": by its id it is still acked -> " + by_id.value);
    auto unknown = s.call("XmppSendStatus", {A_str("[\"no-such-id\"]")});
    std::string state, reason;
    check(unknown.ok && json_string(unknown.value, "state", state) && state == "failed" && json_string(unknown.value, "reason", reason) && !reason.empty(),
          what + ": an unknown id is failed with a reason -> " + unknown.value);
}

static int run_session(Library& lib, const std::string& variant, const std::string& jid, const std::string& pw,
                       const std::string& peer, const std::string& peer_pw, const std::string& opts) {
    check(thread_count() == 1, "one thread before the objects exist");
    Session a(lib), b(lib);
    check(a.create("ru") && b.create("ru"), "two objects created");
    prepare_for_session(a);
    prepare_for_session(b);
    std::string ja = session_connect(a, "A", jid, pw, opts);
    std::string jb = session_connect(b, "B", peer, peer_pw, opts);
    if (ja.empty() || jb.empty()) { a.destroy(); b.destroy(); return finish(); }
    printf("# threads with two live sessions: %ld\n", thread_count());
    check(await_event(a.conn, [](const Event& e) { std::string st; return e.message == "XmppState" && json_string(e.data, "state", st) && st == "connected"; }, 5000),
          "A: an XmppState event says connected");
    std::string sent_by_a = session_exchange(a, ja, b, jb, "Привет из 1С! 😀 <&> \"кавычки\" 'апостроф'", "A -> B");
    session_exchange(b, jb, a, ja, "Ответ: ёЁ ∑ 𝄞 &amp; </body>", "B -> A");
    session_status(a, sent_by_a, "A");
    {
        // The live session's roster: a JSON array (the test accounts have no contacts).
        auto roster = a.call("ПолучитьXMPPКонтакты", {});
        check(roster.ok && starts_with(roster.value, "["), "A: ПолучитьXMPPКонтакты() is a JSON array -> " + (roster.ok ? roster.value : roster.error));
    }

    if (variant == "disconnect") {
        // A second XmppConnect on a live session replaces it.
        std::string ja2 = session_connect(a, "A again", jid, pw, opts);
        if (!ja2.empty()) session_exchange(b, jb, a, ja2, "после переподключения", "B -> A's new session");
        auto d = a.call("XmppDisconnect", {});
        check(d.ok && d.vt == VTYPE_BOOL && d.value == "true", "XmppDisconnect of a live session is True");
        d = a.call("XmppDisconnect", {});
        check(d.ok && d.vt == VTYPE_BOOL && d.value == "false", "XmppDisconnect again is False");
        auto s = a.call("XmppSend", {A_str(jb), A_str("x")});
        check(!s.ok && starts_with(s.error, "[XMPP_NOT_CONNECTED]"), "XmppSend after XmppDisconnect: " + s.error);
        auto st = a.call("XmppSendStatus", {A_str(sent_by_a)});
        check(st.ok && contains(st.value, "\"state\":\"acked\""), "XmppSendStatus after XmppDisconnect still knows the fate -> " + (st.ok ? st.value : st.error));
        check(await_event(a.conn, [](const Event& e) { std::string st; return e.message == "XmppState" && json_string(e.data, "state", st) && st == "disconnected"; }, 5000),
              "A: an XmppState event says disconnected");
        // Connect and disconnect again and again: each close must leave the host alive (a
        // write to a socket the server has closed must not raise SIGPIPE in the host).
        int cycles = 0;
        for (int i = 0; i < 8; ++i) {
            auto c = a.call("XmppConnect", {A_str(jid), A_str(pw), A_str(opts)});
            auto dc = a.call("XmppDisconnect", {});
            if (c.ok && dc.ok && dc.value == "true") ++cycles;
        }
        check(cycles == 8, "8 more XmppConnect + XmppDisconnect cycles (" + std::to_string(cycles) + " good)");
    }

    // Destroy with the session(s) still live: B always, A unless disconnected above.
    if (variant == "destroy" || variant == "disconnect") {
        a.destroy();
        b.destroy();
    } else if (variant == "destroy-only") {
        // DestroyObject without Done (a host that skips it must not be left with a thread).
        lib.destroy_object(&a.obj);
        lib.destroy_object(&b.obj);
    } else if (variant == "delete") {
        // Hosts that delete through the interface (OneScript): Done, then the destructor.
        a.obj->Done(); delete a.obj; a.obj = nullptr;
        b.obj->Done(); delete b.obj; b.obj = nullptr;
    } else {
        check(false, "unknown session variant " + variant);
        a.destroy(); b.destroy();
    }
    check(a.obj == nullptr && b.obj == nullptr, "objects destroyed (" + variant + ")");
    size_t ea = a.conn.event_count(), eb = b.conn.event_count();
    check(a.mem.outstanding() == 0 && a.mem.foreign_frees == 0 && b.mem.outstanding() == 0 && b.mem.foreign_frees == 0, "memory managers balanced");
    long after_destroy = settled_thread_count();
    check(after_destroy == 1, "DestroyObject with a live session joined its threads (" + std::to_string(after_destroy) + " left)");
    lib.close();
    long after_unload = settled_thread_count();
    check(after_unload == 1, "after dlclose exactly one thread is left (" + std::to_string(after_unload) + ")");
    check(a.conn.event_count() == ea && b.conn.event_count() == eb, "no ExternalEvent after DestroyObject");
    return finish();
}

// Without a session, and a session that never comes up: clear errors, no thread left.
static int run_session_bad(Library& lib, const std::string& jid, const std::string& wrong_pw, const std::string& opts) {
    Session s(lib);
    check(s.create("ru"), "object created");
    prepare_for_session(s);
    auto r = s.call("XmppSend", {A_str(jid), A_str("текст")});
    check(!r.ok && starts_with(r.error, "[XMPP_NOT_CONNECTED]"), "XmppSend without XmppConnect: " + r.error);
    r = s.call("XmppReceive", {A_i4(0)});
    check(!r.ok && starts_with(r.error, "[XMPP_NOT_CONNECTED]"), "XmppReceive without XmppConnect: " + r.error);
    r = s.call("XmppDisconnect", {});
    check(r.ok && r.vt == VTYPE_BOOL && r.value == "false", "XmppDisconnect without a session is False");
    r = s.call("XmppSendStatus", {A_str("")});
    check(!r.ok && starts_with(r.error, "[XMPP_NOT_CONNECTED]"), "XmppSendStatus without XmppConnect: " + r.error);
    r = s.call("XmppRoster", {});
    check(!r.ok && starts_with(r.error, "[XMPP_NOT_CONNECTED]"), "XmppRoster without XmppConnect: " + r.error);
    r = s.call("XmppConnect", {A_str(jid), A_str(wrong_pw), A_str(opts)});
    check(!r.ok && starts_with(r.error, "[XMPP_AUTH_FAILED]") && !contains(r.error, wrong_pw), "a wrong password: " + r.error);
    long n = settled_thread_count();
    check(n == 1, "no thread left after the failed XmppConnect (" + std::to_string(n) + ")");
    r = s.call("XmppSend", {A_str(jid), A_str("текст")});
    check(!r.ok && starts_with(r.error, "[XMPP_NOT_CONNECTED]"), "still not connected after it: " + r.error);
    r = s.call("XmppConnect", {A_str(jid), A_str(wrong_pw), A_str("{\"bosh_url\":\"http://127.0.0.1:9/http-bind\"}")});
    check(!r.ok && starts_with(r.error, "[XMPP_NETWORK]") && !contains(r.error, wrong_pw), "a BOSH endpoint nobody listens on: " + r.error);
    n = settled_thread_count();
    check(n == 1, "no thread left after the failed BOSH XmppConnect (" + std::to_string(n) + ")");
    s.set("Timeout", A_i4(2));
    r = s.call("XmppConnect", {A_str(jid), A_str(wrong_pw), A_str("{\"server\":\"127.0.0.1:9\"}")});
    check(!r.ok && starts_with(r.error, "[XMPP_"), "a closed port: " + r.error);
    n = settled_thread_count();
    check(n == 1, "no thread left after the unreachable server (" + std::to_string(n) + ")");
    s.destroy();
    check(s.mem.outstanding() == 0 && s.mem.foreign_frees == 0, "memory manager balanced");
    lib.close();
    check(settled_thread_count() == 1, "after dlclose exactly one thread is left");
    return finish();
}

// A name lookup that hangs (the test points the resolver at a server that never answers):
// each network member gives up within Timeout, the object is destroyed and the library
// unloaded, and the host then lives on past the resolver's own timeout. A lookup thread left
// running in an unmapped library would crash it here.
static bool absent(const char* path);

static int run_dns_unload(Library& lib, const char* path, const std::string& name, double linger_seconds) {
    Session s(lib);
    check(s.create("ru"), "object created");
    s.set("Timeout", A_i4(2));
    // Timeout is 2 s; the test's resolver gives up after far longer, so a call that waits
    // for the lookup instead of its Timeout shows here (5 s is the bound, not a speed goal).
    auto timed = [&](const std::string& what, const std::string& method, std::vector<Arg> args, const std::string& code) {
        auto t = std::chrono::steady_clock::now();
        auto r = s.call(method, std::move(args));
        double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
        check(!r.ok && starts_with(r.error, code), what + ": " + r.error);
        char line[64];
        snprintf(line, sizeof line, "%.2f s", took);
        check(took < 5.0, what + " returned within Timeout: " + line);
    };
    s.set("TelegramApiUrl", A_str("https://" + name));
    timed("GetWebhookInfo through it", "GetWebhookInfo", {A_str("123:abc")}, "[TELEGRAM_");
    std::string opts = "{\"server\":\"" + name + ":5222\"}";
    timed("SendXmpp to a name that does not resolve in time", "SendXmpp",
          {A_str("a@" + name), A_str("pw"), A_str("b@" + name), A_str("текст"), A_str(opts)}, "[XMPP_");
    timed("XmppConnect to it", "XmppConnect", {A_str("a@" + name), A_str("pw"), A_str(opts)}, "[XMPP_");
    std::string bosh = "{\"bosh_url\":\"https://" + name + "/http-bind\"}";
    timed("SendXmpp over BOSH to it", "SendXmpp",
          {A_str("a@" + name), A_str("pw"), A_str("b@" + name), A_str("текст"), A_str(bosh)}, "[XMPP_");
    timed("XmppConnect over BOSH to it", "XmppConnect", {A_str("a@" + name), A_str("pw"), A_str(bosh)}, "[XMPP_");
    s.destroy();
    check(s.mem.outstanding() == 0 && s.mem.foreign_frees == 0, "memory manager balanced");
    lib.close();
    // The lookups still hang: the library must have pinned itself rather than be unmapped.
    check(!absent(path), "dlclose left the library mapped while lookups still run in it");
    std::this_thread::sleep_for(std::chrono::duration<double>(linger_seconds));
    check(true, "the host lived on for " + std::to_string((int)linger_seconds) + " s after dlclose, past every lookup's end");
    check(settled_thread_count() == 1, "exactly one thread is left");
    return finish();
}

// ---- mode: call / members ------------------------------------------------------------------

static bool parse_arg(const std::string& spec, Arg& out) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos) return false;
    std::string t = spec.substr(0, colon), v = spec.substr(colon + 1);
    if (t == "s") out = A_str(v);
    else if (t == "S") out = A_str(read_file(v.size() && v[0] == '@' ? v.substr(1) : v));
    else if (t == "n") out = A_i4((int32_t)atol(v.c_str()));
    else if (t == "d") out = A_r8(atof(v.c_str()));
    else if (t == "b") out = A_bool(v == "true" || v == "1");
    else if (t == "u") out = A_empty();
    else if (t == "X") out = A_blob(read_file(v.size() && v[0] == '@' ? v.substr(1) : v));
    else if (t == "x") {
        std::string bytes;
        for (size_t i = 0; i + 1 < v.size(); i += 2) bytes += (char)strtol(v.substr(i, 2).c_str(), nullptr, 16);
        out = A_blob(bytes);
    } else return false;
    return true;
}

static int run_call(Library& lib, int argc, char** argv) {
    std::string lang = "en", blob_out;
    bool print_events = false;
    std::vector<std::pair<std::string, Arg>> sets;
    int i = 0;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--lang" && i + 1 < argc) { lang = argv[++i]; continue; }
        // After the calls' lines, one line per external event the object raised, as 1C got it.
        if (a == "--events") { print_events = true; continue; }
        if (a == "--blob-out" && i + 1 < argc) { blob_out = argv[++i]; continue; }
        if (a == "--peak") { g_peak = true; continue; }
        if (a == "--as-headroom" && i + 1 < argc) { g_as_headroom_mib = atol(argv[++i]); continue; }
        if (a == "--set" && i + 1 < argc) {
            std::string kv = argv[++i];
            size_t eq = kv.find('=');
            Arg v;
            if (eq == std::string::npos || !parse_arg(kv.substr(eq + 1), v)) { fprintf(stderr, "bad --set %s\n", kv.c_str()); return 2; }
            sets.push_back({kv.substr(0, eq), v});
            continue;
        }
        break;
    }
    if (i >= argc) { fprintf(stderr, "call: method name missing\n"); return 2; }
    // Several calls on one object: METHOD ARGS... --then METHOD ARGS... (one JSON line each),
    // for members that need an earlier one (XmppConnect before XmppSendFile).
    std::vector<std::pair<std::string, std::vector<Arg>>> calls;
    while (i < argc) {
        std::string method = argv[i++];
        std::vector<Arg> args;
        for (; i < argc && std::string(argv[i]) != "--then"; ++i) {
            Arg a;
            if (!parse_arg(argv[i], a)) { fprintf(stderr, "bad argument %s\n", argv[i]); return 2; }
            args.push_back(a);
        }
        if (i < argc) ++i;
        calls.push_back({method, args});
    }
    Session s(lib);
    if (!s.create(lang.c_str())) { fprintf(stderr, "cannot create the object\n"); return 2; }
    for (auto& kv : sets) {
        auto r = s.set(kv.first, kv.second);
        if (!r.ok) { printf("{\"ok\":false,\"error\":%s}\n", json_escape(r.error).c_str()); s.destroy(); return 1; }
    }
    std::vector<Session::Result> results;
    std::vector<std::string> lasts, peaks;
    for (auto& c : calls) {
        // A name that is a property, not a method, is read (as 1C reads Компонента.Версия).
        Session::Result r;
        if (s.method(c.first) < 0 && s.prop(c.first) >= 0 && c.second.empty()) r = s.get(c.first);
        else r = s.call(c.first, c.second);
        if (g_peak)
            peaks.push_back(",\"rss_before_kib\":" + std::to_string(s.rss_before_kib) +
                            ",\"peak_during_kib\":" + std::to_string(s.peak_during_kib));
        else
            peaks.push_back("");
        lasts.push_back(s.get("LastError").value);
        results.push_back(r);
    }
    s.destroy();
    bool balanced = s.mem.outstanding() == 0 && s.mem.foreign_frees == 0;
    bool all_ok = true;
    for (size_t k = 0; k < results.size(); ++k) {
        auto& r = results[k];
        // A BinaryData result (already freed through the memory manager, as 1C frees it) is
        // written out byte for byte and shown by its size.
        if (!blob_out.empty() && r.ok && r.vt == VTYPE_BLOB) {
            std::ofstream f(blob_out, std::ios::binary);
            f.write(r.value.data(), (std::streamsize)r.value.size());
            r.value = "<" + std::to_string(r.value.size()) + " bytes>";
        }
        printf("{\"ok\":%s,\"vt\":%d,\"value\":%s,\"error\":%s,\"last_error\":%s,\"memory_balanced\":%s%s}\n", r.ok ? "true" : "false", r.vt,
               json_escape(r.value).c_str(), json_escape(r.error).c_str(), json_escape(lasts[k]).c_str(), balanced ? "true" : "false",
               peaks[k].c_str());
        all_ok = all_ok && r.ok;
    }
    if (print_events) {
        std::lock_guard<std::mutex> g(s.conn.mu);
        for (auto& e : s.conn.events)
            printf("{\"event\":%s,\"source\":%s,\"data\":%s}\n", json_escape(e.message).c_str(),
                   json_escape(e.source).c_str(), json_escape(e.data).c_str());
    }
    return all_ok && balanced ? 0 : 1;
}

static int run_members(Library& lib) {
    Session s(lib);
    if (!s.create("en")) return 2;
    printf("{\"properties\":[");
    for (long i = 0; i < s.obj->GetNProps(); ++i)
        printf("%s{\"en\":%s,\"ru\":%s,\"writable\":%s}", i ? "," : "", json_escape(s.prop_name(i, 0)).c_str(),
               json_escape(s.prop_name(i, 1)).c_str(), s.obj->IsPropWritable(i) ? "true" : "false");
    printf("],\"methods\":[");
    for (long i = 0; i < s.obj->GetNMethods(); ++i)
        printf("%s{\"en\":%s,\"ru\":%s,\"params\":%ld}", i ? "," : "", json_escape(s.method_name(i, 0)).c_str(),
               json_escape(s.method_name(i, 1)).c_str(), s.obj->GetNParams(i));
    printf("]}\n");
    s.destroy();
    return s.mem.outstanding() == 0 ? 0 : 1;
}

// ---- mode: load ----------------------------------------------------------------------------

// One load, timed inside a forked child of a host that never loaded either library, so every
// dlopen maps and relocates the library afresh (a second dlopen in one process may find it still
// mapped: libssl, for one, pins itself). The files themselves come from the page cache, as on a
// server that has loaded them before. Times in ms: dlopen with the exports looked up; the first
// use; the teardown. `fresh` is 1 when RTLD_NOLOAD saw the library absent before the dlopen.
struct LoadTimes { double open_ms, first_ms, close_ms; int fresh, ok, mapped_after_close; };

static double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

static bool absent(const char* path) {
    void* h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (h) dlclose(h);
    return h == nullptr;
}

// The add-in as 1C first uses it: dlopen and the five exports, then GetClassObject, Init,
// setMemManager, GetInfo, RegisterExtensionAs, SetLocale (Session::create) and a read of
// Version; then Done, DestroyObject, dlclose.
static LoadTimes load_addin(const char* path) {
    LoadTimes t{};
    t.fresh = absent(path);
    auto t0 = std::chrono::steady_clock::now();
    Library lib;
    if (!lib.open(path)) return t;
    t.open_ms = ms_since(t0);
    auto t1 = std::chrono::steady_clock::now();
    {
        Session s(lib);
        if (!s.create("en")) return t;
        Session::Result r = s.get("Version");
        t.first_ms = ms_since(t1);
        t.ok = r.ok && !r.value.empty();
        auto t2 = std::chrono::steady_clock::now();
        s.destroy();
        lib.close();
        t.close_ms = ms_since(t2);
        t.ok = t.ok && s.mem.outstanding() == 0;
    }
    t.mapped_after_close = !absent(path);
    return t;
}

// The peer: OpenSSL's libssl as a TLS user first uses it, SSL_CTX_new(TLS_method()) (which
// initialises the library), then SSL_CTX_free and dlclose.
static LoadTimes load_peer(const char* path) {
    LoadTimes t{};
    t.fresh = absent(path);
    auto t0 = std::chrono::steady_clock::now();
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return t;
    typedef const void* (*MethodFn)();
    typedef void* (*NewFn)(const void*);
    typedef void (*FreeFn)(void*);
    MethodFn method = (MethodFn)dlsym(h, "TLS_method");
    NewFn ctx_new = (NewFn)dlsym(h, "SSL_CTX_new");
    FreeFn ctx_free = (FreeFn)dlsym(h, "SSL_CTX_free");
    if (!method || !ctx_new || !ctx_free) return t;
    t.open_ms = ms_since(t0);
    auto t1 = std::chrono::steady_clock::now();
    void* ctx = ctx_new(method());
    t.first_ms = ms_since(t1);
    t.ok = ctx != nullptr;
    auto t2 = std::chrono::steady_clock::now();
    if (ctx) ctx_free(ctx);
    dlclose(h);
    t.close_ms = ms_since(t2);
    t.mapped_after_close = !absent(path);
    return t;
}

static bool load_in_child(LoadTimes (*load)(const char*), const char* path, LoadTimes& out) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        close(fds[0]);
        LoadTimes t = load(path);
        ssize_t w = write(fds[1], &t, sizeof t);
        _exit(w == (ssize_t)sizeof t ? 0 : 1);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], &out, sizeof out);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return got == (ssize_t)sizeof out && WIFEXITED(status) && WEXITSTATUS(status) == 0 && out.ok && out.fresh;
}

static double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    double pos = q * (double)(v.size() - 1);
    size_t lo = (size_t)pos;
    size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
}

struct LoadSeries {
    std::string name;
    std::vector<double> open, first, total, close;
    int mapped_after_close = 0;
    explicit LoadSeries(std::string n) : name(std::move(n)) {}
    void add(const LoadTimes& t) {
        open.push_back(t.open_ms); first.push_back(t.first_ms);
        total.push_back(t.open_ms + t.first_ms); close.push_back(t.close_ms);
        mapped_after_close += t.mapped_after_close;
    }
    void print() const {
        printf("%-14s n=%zu  dlopen→first call done: median %7.3f ms  p25 %7.3f  p75 %7.3f  min %7.3f"
               "  (dlopen %.3f + first call %.3f)  teardown %.3f ms  still mapped after dlclose: %d/%zu\n",
               name.c_str(), total.size(), quantile(total, 0.5), quantile(total, 0.25), quantile(total, 0.75),
               *std::min_element(total.begin(), total.end()), quantile(open, 0.5), quantile(first, 0.5),
               quantile(close, 0.5), mapped_after_close, total.size());
    }
};

static int run_load(const char* lib_path, long n, const char* peer_path) {
    if (n < 1) { fprintf(stderr, "load: N must be at least 1\n"); return 2; }
    if (!absent(lib_path)) { fprintf(stderr, "load: %s is already loaded in the host\n", lib_path); return 2; }
    LoadSeries ours("messenger"), peer(peer_path);
    LoadTimes t;
    // One warm-up each, not counted: the first load reads the files from disk.
    if (!load_in_child(load_addin, lib_path, t)) { fprintf(stderr, "load: %s did not load and answer\n", lib_path); return 1; }
    bool with_peer = load_in_child(load_peer, peer_path, t);
    if (!with_peer) fprintf(stderr, "load: peer %s not usable, measuring the add-in alone\n", peer_path);
    for (long i = 0; i < n; ++i) {
        if (!load_in_child(load_addin, lib_path, t)) { fprintf(stderr, "load: run %ld of %s failed\n", i, lib_path); return 1; }
        ours.add(t);
        if (with_peer) {
            if (!load_in_child(load_peer, peer_path, t)) { fprintf(stderr, "load: run %ld of %s failed\n", i, peer_path); return 1; }
            peer.add(t);
        }
    }
    ours.print();
    if (with_peer) {
        peer.print();
        printf("ratio (messenger / %s, medians of dlopen→first call done): %.2f\n", peer_path,
               quantile(ours.total, 0.5) / quantile(peer.total, 0.5));
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: host LIB sequence|badinput|random SEED N SECONDS|bench N|call ...|members|load N [PEER]|session ...|session-bad ...\n");
        return 2;
    }
    std::string mode = argv[2];
    // Each load happens in a child; this process must never load the library itself.
    if (mode == "load") return run_load(argv[1], argc >= 4 ? atol(argv[3]) : 50, argc >= 5 ? argv[4] : "libssl.so.3");
    // The probes are looked up when an object is created; the test modes need them.
    if (mode == "sequence" || mode == "badinput" || mode == "random" || mode == "bench") setenv("MESSENGER_TEST_PROBES", "1", 1);
    Library lib;
    if (!lib.open(argv[1])) { fprintf(stderr, "cannot load %s or find its five exports\n", argv[1]); return 2; }
    int rc;
    if (mode == "sequence") rc = run_sequence(lib);
    else if (mode == "badinput") rc = run_badinput(lib);
    else if (mode == "random" && argc >= 6) rc = run_random(lib, strtoull(argv[3], nullptr, 10), atol(argv[4]), atof(argv[5]));
    else if (mode == "bench") rc = run_bench(lib, argc >= 4 ? atol(argv[3]) : 100000);
    else if (mode == "call") rc = run_call(lib, argc - 3, argv + 3);
    else if (mode == "members") rc = run_members(lib);
    else if (mode == "session" && argc >= 9) rc = run_session(lib, argv[3], argv[4], argv[5], argv[6], argv[7], argv[8]);
    else if (mode == "session-bad" && argc >= 6) rc = run_session_bad(lib, argv[3], argv[4], argv[5]);
    else if (mode == "dns-unload" && argc >= 5) rc = run_dns_unload(lib, argv[1], argv[3], atof(argv[4]));
    else { fprintf(stderr, "unknown mode %s\n", mode.c_str()); rc = 2; }
    lib.close();
    return rc;
}
