// The bad-input sweep through the C ABI: every member the object lists x every argument
// position x every argument kind (each 1C type, an error-code variant, strings of 0, 1 KB,
// 1 MB and 50 MB) x devices, FIFOs, directories and a 1 GB sparse file for path arguments,
// and every writable property x the same kinds. Each case runs in its own forked child under
// an address-space limit, so a case that would eat the machine fails instead; the parent
// counts
//   crashes            the child died of a signal or exited abnormally (an abort on an
//                      allocation refused by the limit counts here),
//   hangs              the call did not return within Timeout + a margin,
//   imbalance          the memory manager's allocations and frees do not match afterwards,
//   wrong successes    a value that can never be right was accepted (the call succeeded, or a
//                      network member went to the network with it),
//   runaway errors     an error text longer than 2000 bytes (an input quoted whole),
//   memory blowups     the child's peak resident memory passed 1 GB (the largest input is
//                      50 MB of UTF-16: a call that reads /dev/zero until the limit stops it
//                      fails "cleanly" with "out of memory", and is counted here),
// and prints them as one line; the goal is 0 of each.
//
//   sweep LIB WORKDIR [FILTER]
//
// The host's own code (Session, Arg, the memory manager) is reused by including host.cpp,
// whose main is renamed away; this file is kept apart so that the two evolve independently.

#define main host_main_unused
#include "host.cpp"
#undef main

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

namespace sweep {

// What a member's parameter is, for the baseline value and for what is wrong for it.
// File: ДвоичныеДанные or a string (a path, a URL, a file_id; for the XMPP files a path only).
enum class P { Str, Path, Dir, Opts, Num, Bool, Chat, Text, File };

struct Member { std::string name; std::vector<P> params; std::vector<Arg> base; };

static const int kTimeout = 2;            // the Timeout property during the sweep, seconds
static const int kHangMargin = 8;         // how far past Timeout a call may run before it hangs
static const rlim_t kAddressLimit = 3ull << 30;  // per child
static const long kBlowupKb = 1l << 20;           // peak RSS that counts as a blowup (1 GB)

// Baseline values that pass every check, so that the one argument varied is what decides;
// network members point at a closed local port and fail there.
static std::vector<Member> members(const std::string& work) {
    auto s = [](const char* v) { return A_str(v); };
    std::string dir = work + "/certs";
    return {
        {"MakeCert", {P::Str, P::Dir, P::Str, P::Opts}, {s("sweep.example"), A_str(dir), s("pw"), s("{\"key\":\"ecdsa-p256\",\"overwrite\":true}")}},
        {"SetWebhook", {P::Str, P::Str, P::Path, P::Opts}, {s("123:abc"), s("https://127.0.0.1/x"), s(""), s("{}")}},
        {"GetWebhookInfo", {P::Str}, {s("123:abc")}},
        {"DeleteWebhook", {P::Str, P::Bool}, {s("123:abc"), A_bool(false)}},
        {"CheckWebhook", {P::Str, P::Path}, {s("123:abc"), s("")}},
        {"SendTelegram", {P::Str, P::Chat, P::Text, P::Opts}, {s("123:abc"), s("42"), s("hi"), s("{}")}},
        {"CallTelegram", {P::Str, P::Str, P::Opts}, {s("123:abc"), s("getMe"), s("{}")}},
        {"SendTelegramFile", {P::Str, P::Chat, P::File, P::Str, P::Opts}, {s("123:abc"), s("42"), s("https://127.0.0.1:9/a.pdf"), s("a.pdf"), s("{}")}},
        {"DownloadTelegramFile", {P::Str, P::Str}, {s("123:abc"), s("BQACAgIAAx")}},
        {"GetTelegramUpdates", {P::Str, P::Num, P::Num, P::Opts}, {s("123:abc"), A_i4(0), A_i4(0), s("{}")}},
        {"SendXmpp", {P::Str, P::Str, P::Str, P::Text, P::Opts}, {s("a@localhost"), s("pw"), s("b@localhost"), s("hi"), s("{\"server\":\"127.0.0.1:9\"}")}},
        {"XmppConnect", {P::Str, P::Str, P::Opts}, {s("a@localhost"), s("pw"), s("{\"server\":\"127.0.0.1:9\"}")}},
        {"XmppSend", {P::Str, P::Text, P::Opts}, {s("b@localhost"), s("hi"), s("{}")}},
        {"XmppReceive", {P::Num}, {A_i4(0)}},
        {"XmppDisconnect", {}, {}},
        {"XmppSendStatus", {P::Str}, {s("")}},
        {"SendXmppFile", {P::Str, P::Str, P::Str, P::File, P::Str, P::Opts}, {s("a@localhost"), s("pw"), s("b@localhost"), A_blob("abc"), s("a.bin"), s("{\"server\":\"127.0.0.1:9\"}")}},
        {"XmppSendFile", {P::Str, P::File, P::Str, P::Opts}, {s("b@localhost"), A_blob("abc"), s("a.bin"), s("{}")}},
        {"XmppRoster", {}, {}},
    };
}

// A kind of value; big strings are made in the child that uses them, so that the parent (and
// every fork of it) stays small.
struct Kind { std::string name; std::function<Arg()> make; int vt; bool is_string; size_t size; };

static Arg A_error_code(int32_t code) { Arg a; a.v.vt = VTYPE_ERROR; a.v.v.lVal = code; return a; }

struct Outcome { char what; std::string error; long peak_kb; };

struct Counts { long cases = 0, crashes = 0, hangs = 0, imbalance = 0, wrong = 0, runaway = 0, blowups = 0; };

struct Case {
    std::string name;
    std::function<Session::Result(Session&)> run;
    bool must_fail;      // no success is right for this value
    bool before_work;    // and it must be refused before any network work
};

// Runs one case in a child; 'o' fine, 'S' success, 'N' went to the network, 'B' imbalance,
// 'L' runaway error, 'X' no object.
static Outcome run_child(Library& lib, const Case& c, const std::string& api_url) {
    int fds[2];
    if (pipe(fds) != 0) return {'X', "pipe", 0};
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        struct rlimit lim = {kAddressLimit, kAddressLimit};
        setrlimit(RLIMIT_AS, &lim);
        Session s(lib);
        std::string out;
        if (!s.create("en")) out = "X";
        else {
            s.set("Timeout", A_i4(kTimeout));
            s.set("TelegramApiUrl", A_str(api_url));
            auto r = c.run(s);
            char what = 'o';
            bool networked = contains(r.error, "_NET_") || contains(r.error, "[XMPP_NETWORK]") || contains(r.error, "[XMPP_CONNECT");
            if (r.ok && c.must_fail) what = 'S';
            else if (!r.ok && c.before_work && networked) what = 'N';
            if (r.error.size() > 2000) what = 'L';
            s.destroy();
            if (s.mem.outstanding() != 0 || s.mem.foreign_frees != 0) what = 'B';
            out = std::string(1, what) + r.error.substr(0, 300);
        }
        if (write(fds[1], out.data(), out.size()) < 0) _exit(3);
        _exit(0);
    }
    close(fds[1]);
    auto start = std::chrono::steady_clock::now();
    int status = 0;
    bool hung = false;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &usage);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(kTimeout + kHangMargin)) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &usage);
            hung = true;
            break;
        }
        usleep(2000);
    }
    long peak_kb = usage.ru_maxrss;
    std::string got;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) got.append(buf, (size_t)n);
    close(fds[0]);
    if (hung) return {'H', "", peak_kb};
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got.empty()) {
        char d[64];
        snprintf(d, sizeof d, "status %d", status);
        return {'C', d, peak_kb};
    }
    return {got[0], got.substr(1), peak_kb};
}

static int run(Library& lib, const std::string& work, const std::string& filter) {
    mkdir(work.c_str(), 0700);
    // Path targets: devices, a FIFO, a directory, a 1 GB sparse file.
    std::string fifo = work + "/fifo", sparse = work + "/sparse.pem", dir = work + "/a-directory";
    unlink(fifo.c_str());
    mkfifo(fifo.c_str(), 0600);
    mkdir(dir.c_str(), 0700);
    { int fd = open(sparse.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600); if (fd >= 0) { if (ftruncate(fd, 1ll << 30) != 0) {} close(fd); } }
    // A closed local port for the Bot API.
    std::string api_url = "http://127.0.0.1:9";

    std::vector<Kind> kinds;
    kinds.push_back({"Undefined", [] { return A_empty(); }, VTYPE_EMPTY, false, 0});
    kinds.push_back({"Null", [] { return A_null(); }, VTYPE_NULL, false, 0});
    kinds.push_back({"Boolean", [] { return A_bool(true); }, VTYPE_BOOL, false, 0});
    kinds.push_back({"Number", [] { return A_i4(7); }, VTYPE_I4, false, 0});
    kinds.push_back({"Number 1.5", [] { return A_r8(1.5); }, VTYPE_R8, false, 0});
    kinds.push_back({"Date", [] { return A_date(2020, 1, 1, 0, 0, 0); }, VTYPE_TM, false, 0});
    kinds.push_back({"BinaryData", [] { return A_blob("\x01\x02"); }, VTYPE_BLOB, false, 0});
    kinds.push_back({"error code", [] { return A_error_code(5); }, VTYPE_ERROR, false, 0});
    for (size_t size : {(size_t)0, (size_t)1024, (size_t)1 << 20, (size_t)50 << 20}) {
        // ASCII digits: a valid-looking value of every size (a chat id, a port, a name).
        kinds.push_back({"String " + std::to_string(size) + " B", [size] { return A_wstr(u16(size, u'7')); }, VTYPE_PWSTR, true, size});
    }
    struct PathKind { std::string name; std::string path; bool a_directory; };
    std::vector<PathKind> paths = {
        {"/dev/zero", "/dev/zero", false}, {"/dev/urandom", "/dev/urandom", false}, {"/dev/null", "/dev/null", false},
        {"a FIFO", fifo, false}, {"a directory", dir, true}, {"a 1 GB sparse file", sparse, false},
    };

    // Every member the object lists must have a row above: a new member without one would
    // silently escape the sweep.
    std::vector<std::string> missing;
    {
        Session s(lib);
        if (!s.create("en")) { printf("not ok - no object\n"); return 1; }
        auto rows = members(work);
        for (long i = 0; i < s.obj->GetNMethods(); ++i) {
            std::string name = s.method_name(i, 0);
            if (name.rfind("__", 0) == 0) continue;  // the test host's diagnostic members
            bool found = false;
            for (auto& m : rows) found = found || m.name == name;
            if (!found) missing.push_back(name);
        }
        s.destroy();
    }
    for (auto& name : missing) printf("not ok - %s has no row in the sweep's member table\n", name.c_str());
    if (!missing.empty()) return 1;

    std::vector<Case> cases;
    for (auto& m : members(work)) {
        for (size_t p = 0; p < m.params.size(); ++p) {
            P type = m.params[p];
            auto call = [name = m.name, base = m.base, p](std::function<Arg()> make) {
                return [name, base, p, make](Session& s) {
                    std::vector<Arg> args = base;
                    args[p] = make();
                    return s.call_raw(s.method(name), args, true);
                };
            };
            bool network = m.name != "MakeCert" && m.name.rfind("Xmpp", 0) != 0;
            for (auto& k : kinds) {
                bool wrong_type;
                switch (type) {
                    case P::Num: wrong_type = k.vt != VTYPE_I4 && k.vt != VTYPE_R8; break;
                    case P::Bool: wrong_type = k.vt != VTYPE_BOOL; break;
                    case P::Chat: wrong_type = !k.is_string && k.vt != VTYPE_I4 && k.vt != VTYPE_R8; break;
                    case P::File: wrong_type = !k.is_string && k.vt != VTYPE_BLOB; break;
                    default: wrong_type = !k.is_string;
                }
                // 50 MB is past every parameter's limit; 1 MB past every one but a text and
                // the options (whose content then decides).
                bool absurd = k.is_string && (k.size >= (50u << 20) || (k.size >= (1u << 20) && type != P::Text && type != P::Opts));
                bool must_fail = wrong_type || absurd || (type == P::Num && k.vt == VTYPE_R8);
                cases.push_back({m.name + " p" + std::to_string(p + 1) + " = " + k.name, call(k.make), must_fail, must_fail && network});
            }
            if (type == P::Path || type == P::Dir || type == P::File) {
                for (auto& pk : paths) {
                    // A 1 GB file is within a local Bot API server's 2000 MB upload limit (the
                    // sweep's TelegramApiUrl is local): it goes, streamed (the blowup check
                    // watches the memory), and fails at the closed port.
                    bool ok_here = (type == P::Dir && pk.a_directory) || (type == P::File && pk.path == sparse);
                    std::string path = pk.path;
                    cases.push_back({m.name + " p" + std::to_string(p + 1) + " = " + pk.name, call([path] { return A_str(path); }), !ok_here, !ok_here && network});
                }
            }
        }
    }
    for (const char* prop : {"Timeout", "Proxy", "TelegramApiUrl", "TrustedCertificates", "ThrowErrors"}) {
        std::string pn = prop;
        for (auto& k : kinds) {
            bool wrong_type;
            if (pn == "Timeout") wrong_type = k.vt != VTYPE_I4 && k.vt != VTYPE_R8;
            else if (pn == "ThrowErrors") wrong_type = k.vt != VTYPE_BOOL;
            else wrong_type = !k.is_string;
            // "7" repeated is no proxy, address or certificate at any size but 0.
            bool bad_string = k.is_string && k.size > 0 && pn != "Timeout" && pn != "ThrowErrors";
            // Timeout = 7 and 1.5 are in range; 7 as an error code is not a Number.
            auto make = k.make;
            cases.push_back({pn + " = " + k.name, [pn, make](Session& s) { return s.set(pn, make()); }, wrong_type || bad_string, false});
        }
    }

    Counts n;
    std::string failures;
    for (auto& c : cases) {
        if (!filter.empty() && !contains(c.name, filter)) continue;
        ++n.cases;
        Outcome o = run_child(lib, c, api_url);
        std::string verdict;
        switch (o.what) {
            case 'o': break;
            case 'C': case 'X': ++n.crashes; verdict = "crash (" + o.error + ")"; break;
            case 'H': ++n.hangs; verdict = "hang past Timeout"; break;
            case 'B': ++n.imbalance; verdict = "memory manager not balanced"; break;
            case 'S': ++n.wrong; verdict = "wrong success"; break;
            case 'N': ++n.wrong; verdict = "went to the network with it"; break;
            case 'L': ++n.runaway; verdict = "runaway error text"; break;
            default: ++n.crashes; verdict = "unknown outcome"; break;
        }
        if (verdict.empty() && o.peak_kb > kBlowupKb) {
            ++n.blowups;
            verdict = "memory blowup (peak " + std::to_string(o.peak_kb / 1024) + " MB)";
        }
        std::string err = o.error.size() > 160 ? o.error.substr(0, 160) + "…" : o.error;
        if (verdict.empty()) printf("ok - %s -> %s\n", c.name.c_str(), err.c_str());
        else printf("not ok - %s: %s %s\n", c.name.c_str(), verdict.c_str(), err.c_str());
        fflush(stdout);
    }
    unlink(fifo.c_str());
    unlink(sparse.c_str());
    printf("sweep: %ld cases, crashes %ld, hangs %ld, memory imbalance %ld, wrong successes %ld, runaway errors %ld, memory blowups %ld\n",
           n.cases, n.crashes, n.hangs, n.imbalance, n.wrong, n.runaway, n.blowups);
    return n.crashes + n.hangs + n.imbalance + n.wrong + n.runaway + n.blowups == 0 ? 0 : 1;
}

}  // namespace sweep

int main(int argc, char** argv) {
    if (argc < 3) { fprintf(stderr, "usage: sweep LIB WORKDIR [FILTER]\n"); return 2; }
    // SIGPIPE from a child's closed pipe must not end the sweep.
    signal(SIGPIPE, SIG_IGN);
    Library lib;
    if (!lib.open(argv[1])) { fprintf(stderr, "cannot load %s\n", argv[1]); return 2; }
    return sweep::run(lib, argv[2], argc > 3 ? argv[3] : "");
}
