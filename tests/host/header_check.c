/* The header must serve C hosts too (the Windows test host is C): it compiles as C11 with
 * every warning, and its layout asserts hold for this target. */
#include "../../include/messenger_addin.h"
#include <stddef.h>

_Static_assert(offsetof(tVariant, v) == 0, "value first");
_Static_assert(offsetof(tVariant, v.wstr.wstrLen) == sizeof(void*), "length one pointer after the pointer");

int main(void) {
    tVariant v = {0};
    v.vt = VTYPE_PWSTR;
    return v.vt == VTYPE_PWSTR ? 0 : 1;
}
