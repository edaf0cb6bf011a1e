/* TEST ONLY, never shipped: wine 8.0 (Debian 12) has no bcryptprimitives.dll, whose
 * ProcessPrng Rust's std imports on Windows 10 and later (where the DLL is part of the
 * system). scripts/test-windows.sh puts this stand-in next to the test host; it draws the
 * bytes from BCryptGenRandom, which wine does have. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE buffer, SIZE_T length) {
    /* BCryptGenRandom takes a ULONG length: feed it in chunks. */
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, buffer, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return FALSE;
        buffer += chunk;
        length -= chunk;
    }
    return TRUE;
}
