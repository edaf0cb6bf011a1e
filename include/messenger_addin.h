/*
 * Messenger — 1C:Enterprise Native API add-in.
 *
 * What the library exports and how the platform sees its object, as the library implements
 * them. Written for this project from the published description of the Native API; it is
 * layout-compatible with the platform's SDK headers (ComponentBase.h, AddInDefBase.h,
 * IMemoryManager.h, types.h), so a C++ host compiled against it calls the library exactly as
 * 1C does: the C++ compiler, not our Rust code, decides where every vtable slot is.
 *
 * Per platform:
 *  - WCHAR_T is a UTF-16 code unit (wchar_t on Windows, uint16_t elsewhere);
 *  - interface methods are __stdcall on Windows (ADDIN_API), the default convention elsewhere;
 *  - `long` is 32-bit on Windows and 64-bit on 64-bit Linux/macOS;
 *  - virtual destructors take two vtable slots on Linux/macOS (Itanium ABI) and one on Windows.
 *
 * The object: one class, "Messenger". Members are listed in the README (English alias 0,
 * Russian alias 1). Test probes (__ProbePanic, __ProbeEcho, __ProbeEvents) can be found by
 * FindMethod only when the environment variable MESSENGER_TEST_PROBES=1 is set when the
 * object is created; they are never enumerated.
 */
#ifndef MESSENGER_ADDIN_H
#define MESSENGER_ADDIN_H

#include <stdint.h>
#include <time.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#if defined(_WIN32)
#define ADDIN_API __stdcall
typedef wchar_t WCHAR_T;
#else
#define ADDIN_API
typedef uint16_t WCHAR_T;
#endif

typedef unsigned short TYPEVAR;

enum ENUMVAR {
    VTYPE_EMPTY = 0, VTYPE_NULL, VTYPE_I2, VTYPE_I4, VTYPE_R4, VTYPE_R8, VTYPE_DATE, VTYPE_TM,
    VTYPE_PSTR, VTYPE_INTERFACE, VTYPE_ERROR, VTYPE_BOOL, VTYPE_VARIANT, VTYPE_I1, VTYPE_UI1,
    VTYPE_UI2, VTYPE_UI4, VTYPE_I8, VTYPE_UI8, VTYPE_INT, VTYPE_UINT, VTYPE_HRESULT, VTYPE_PWSTR,
    VTYPE_BLOB, VTYPE_CLSID
};

typedef struct { uint8_t bytes[16]; } ADDIN_IID;

typedef struct _tVariant {
    union {
        int8_t i8Val;
        int16_t shortVal;
        int32_t lVal;
        int intVal;
        unsigned int uintVal;
        int64_t llVal;
        uint8_t ui8Val;
        uint16_t ushortVal;
        uint32_t ulVal;
        uint64_t ullVal;
        int32_t errCode;
        long hRes;
        float fltVal;
        double dblVal;
        bool bVal;
        char chVal;
        WCHAR_T wchVal;
        double date;
        ADDIN_IID IDVal;
        struct _tVariant* pvarVal;
        struct tm tmVal;
        struct { void* pInterfaceVal; ADDIN_IID InterfaceID; } iface;
        struct { char* pstrVal; uint32_t strLen; } str;      /* bytes; also BLOB */
        struct { WCHAR_T* pwstrVal; uint32_t wstrLen; } wstr; /* UTF-16 units, no NUL */
    } v;
    uint32_t cbElements;
    TYPEVAR vt;
} tVariant;

/* The sizes the platform was compiled with (its struct tm decides them). */
#ifdef __cplusplus
#define MESSENGER_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define MESSENGER_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
#if defined(_WIN32)
MESSENGER_STATIC_ASSERT(sizeof(tVariant) == 48, "tVariant is 48 bytes on Windows");
#elif defined(__linux__) && defined(__x86_64__)
MESSENGER_STATIC_ASSERT(sizeof(tVariant) == 64, "tVariant is 64 bytes on Linux x86_64");
#elif defined(__linux__) && defined(__i386__)
MESSENGER_STATIC_ASSERT(sizeof(tVariant) == 52, "tVariant is 52 bytes on Linux i386");
#endif

#ifdef __cplusplus

/* Given by the platform to setMemManager: every string or BLOB the add-in returns is
 * allocated here, and the platform frees it. */
class IMemoryManager {
public:
    virtual ~IMemoryManager() {}
    virtual bool ADDIN_API AllocMemory(void** pMemory, unsigned long ulCountByte) = 0;
    virtual void ADDIN_API FreeMemory(void** pMemory) = 0;
};

/* Given by the platform to Init: errors, external events, status line. */
class IAddInDefBase {
public:
    virtual ~IAddInDefBase() {}
    virtual bool ADDIN_API AddError(unsigned short wcode, const WCHAR_T* source,
                                    const WCHAR_T* descr, long scode) = 0;
    virtual bool ADDIN_API Read(WCHAR_T* wszPropName, tVariant* pVal, long* pErrCode,
                                WCHAR_T** errDescriptor) = 0;
    virtual bool ADDIN_API Write(WCHAR_T* wszPropName, tVariant* pVar) = 0;
    virtual bool ADDIN_API RegisterProfileAs(WCHAR_T* wszProfileName) = 0;
    virtual bool ADDIN_API SetEventBufferDepth(long lDepth) = 0;
    virtual long ADDIN_API GetEventBufferDepth() = 0;
    virtual bool ADDIN_API ExternalEvent(WCHAR_T* wszSource, WCHAR_T* wszMessage, WCHAR_T* wszData) = 0;
    virtual void ADDIN_API CleanEventBuffer() = 0;
    virtual bool ADDIN_API SetStatusLine(WCHAR_T* wszStatusLine) = 0;
    virtual void ADDIN_API ResetStatusLine() = 0;
};

/* The add-in object: four bases, one vtable pointer each, in this order. */
class IInitDoneBase {
public:
    virtual ~IInitDoneBase() {}
    virtual bool ADDIN_API Init(void* disp) = 0;     /* IAddInDefBase* */
    virtual bool ADDIN_API setMemManager(void* mem) = 0; /* IMemoryManager* */
    virtual long ADDIN_API GetInfo() = 0;               /* 2000 */
    virtual void ADDIN_API Done() = 0;
};

class ILanguageExtenderBase {
public:
    virtual ~ILanguageExtenderBase() {}
    virtual bool ADDIN_API RegisterExtensionAs(WCHAR_T** wsExtensionName) = 0;
    virtual long ADDIN_API GetNProps() = 0;
    virtual long ADDIN_API FindProp(const WCHAR_T* wsPropName) = 0;
    virtual const WCHAR_T* ADDIN_API GetPropName(long lPropNum, long lPropAlias) = 0;
    virtual bool ADDIN_API GetPropVal(const long lPropNum, tVariant* pvarPropVal) = 0;
    virtual bool ADDIN_API SetPropVal(const long lPropNum, tVariant* varPropVal) = 0;
    virtual bool ADDIN_API IsPropReadable(const long lPropNum) = 0;
    virtual bool ADDIN_API IsPropWritable(const long lPropNum) = 0;
    virtual long ADDIN_API GetNMethods() = 0;
    virtual long ADDIN_API FindMethod(const WCHAR_T* wsMethodName) = 0;
    virtual const WCHAR_T* ADDIN_API GetMethodName(const long lMethodNum, const long lMethodAlias) = 0;
    virtual long ADDIN_API GetNParams(const long lMethodNum) = 0;
    virtual bool ADDIN_API GetParamDefValue(const long lMethodNum, const long lParamNum,
                                            tVariant* pvarParamDefValue) = 0;
    virtual bool ADDIN_API HasRetVal(const long lMethodNum) = 0;
    virtual bool ADDIN_API CallAsProc(const long lMethodNum, tVariant* paParams, const long lSizeArray) = 0;
    virtual bool ADDIN_API CallAsFunc(const long lMethodNum, tVariant* pvarRetValue,
                                      tVariant* paParams, const long lSizeArray) = 0;
};

class LocaleBase {
public:
    virtual ~LocaleBase() {}
    virtual void ADDIN_API SetLocale(const WCHAR_T* loc) = 0;
};

class UserLanguageBase {
public:
    virtual ~UserLanguageBase() {}
    virtual void ADDIN_API SetUserInterfaceLanguageCode(const WCHAR_T* lang) = 0;
};

class IComponentBase : public IInitDoneBase, public ILanguageExtenderBase,
                       public LocaleBase, public UserLanguageBase {
public:
    virtual ~IComponentBase() {}
};

enum AppCapabilities { eAppCapabilitiesInvalid = -1, eAppCapabilities1 = 1, eAppCapabilities2 = 2,
                       eAppCapabilities3 = 3, eAppCapabilitiesLast = eAppCapabilities3 };
enum AttachType { eCanAttachNotIsolated = 1, eCanAttachIsolated = 2, eCanAttachAny = 3 };

extern "C" {
#endif /* __cplusplus */

/* "Messenger": static, never freed by the caller. */
const WCHAR_T* GetClassNames(void);
/* Non-zero when the object was created and stored in *pIntf. */
#ifdef __cplusplus
long GetClassObject(const WCHAR_T* wsName, IComponentBase** pIntf);
long DestroyObject(IComponentBase** pIntf);
AppCapabilities SetPlatformCapabilities(const AppCapabilities capabilities);
AttachType GetAttachType(void);
}
#else
long GetClassObject(const WCHAR_T* wsName, void** pIntf);
long DestroyObject(void** pIntf);
int SetPlatformCapabilities(const int capabilities);
int GetAttachType(void);
#endif

#endif /* MESSENGER_ADDIN_H */
