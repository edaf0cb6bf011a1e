#!/usr/bin/env bash
# Writes tests/platforms/windows7-sp1-exports.txt, the list of functions the Windows DLLs may
# import (tests/platforms.rs checks every import of both shipped DLLs against it). Run it again
# only when the list must change, and review the difference.
#
# Method, and its limits (there is no machine-readable Microsoft list of Windows 7 SP1 exports
# that this project may download):
#  1. Start from the functions mingw-w64's import libraries (Debian 12's mingw-w64, the ones
#     the DLLs are linked with) name for each system DLL the add-in may use. Those libraries
#     cover every Windows version, so this is a superset: alone it would let through functions
#     Windows 7 does not have.
#  2. Take out the functions that Microsoft's documentation gives "Minimum supported client:
#     Windows 8" or later (or that are undocumented and appeared after Windows 7), listed by
#     hand below: the ones Rust's std, getrandom, mio, socket2, ring and schannel are known to
#     use on newer Windows, and their families. A function that is neither in this list nor
#     Windows 7's but appears in mingw-w64's libraries would still pass: the list of step 2
#     is the weak point, so extend it whenever a new dependency brings Windows code.
#  3. The API-set DLLs (api-ms-win-*.dll) and bcryptprimitives.dll are left out entirely: the
#     win7 targets do not need them, and most API sets (api-ms-win-core-synch-l1-2-0 with
#     WaitOnAddress) do not exist on Windows 7.
# Names are the undecorated ones (i686 import libraries name _Func@8; the import table of the
# DLL holds Func), union of the x86_64 and i686 libraries.
set -euo pipefail
cd "$(dirname "$0")"

# The system DLLs a non-GUI add-in has reason to import; a new one (ole32, user32, ...) fails the
# check until it is added here on purpose.
dlls=(advapi32 bcrypt crypt32 kernel32 msvcrt ncrypt ntdll secur32 userenv ws2_32)

# Step 2: Windows 8 or later per Microsoft's "Minimum supported client" (or undocumented and
# newer than Windows 7). DLL!function.
post_win7='
bcryptprimitives!ProcessPrng
kernel32!GetSystemTimePreciseAsFileTime
kernel32!CreateFile2
kernel32!SetThreadDescription
kernel32!GetThreadDescription
kernel32!WaitOnAddress
kernel32!WakeByAddressSingle
kernel32!WakeByAddressAll
kernel32!GetCurrentThreadStackLimits
kernel32!CreateFileMappingFromApp
kernel32!MapViewOfFileFromApp
kernel32!VirtualAllocFromApp
kernel32!VirtualProtectFromApp
kernel32!LoadPackagedLibrary
kernel32!GetPackageFamilyName
kernel32!GetCurrentPackageId
kernel32!GetCurrentPackageFullName
kernel32!GetOverlappedResultEx
kernel32!CopyFile2
kernel32!SetThreadInformation
kernel32!GetThreadInformation
kernel32!SetProcessInformation
kernel32!GetProcessInformation
kernel32!SetProcessMitigationPolicy
kernel32!GetProcessMitigationPolicy
kernel32!PrefetchVirtualMemory
kernel32!GetFirmwareType
kernel32!GetProcessDefaultCpuSets
kernel32!GetSystemCpuSetInformation
kernel32!SetThreadSelectedCpuSets
kernel32!GetTempPath2A
kernel32!GetTempPath2W
kernel32!VirtualAlloc2
kernel32!MapViewOfFile3
kernel32!DiscardVirtualMemory
kernel32!OfferVirtualMemory
kernel32!ReclaimVirtualMemory
kernel32!QueryUnbiasedInterruptTimePrecise
kernel32!QueryInterruptTimePrecise
kernel32!QueryInterruptTime
kernel32!GetOsManufacturingMode
kernel32!GetIntegratedDisplaySize
kernel32!IsWow64Process2
kernel32!GetMachineTypeAttributes
kernel32!SetThreadpoolTimerEx
kernel32!SetThreadpoolWaitEx
ntdll!RtlGetDeviceFamilyInfoEnum
ntdll!RtlGetSystemTimePrecise
ntdll!NtCreateWaitCompletionPacket
ntdll!NtAssociateWaitCompletionPacket
ntdll!NtCancelWaitCompletionPacket
ntdll!RtlWaitOnAddress
ntdll!RtlWakeAddressSingle
ntdll!RtlWakeAddressAll
advapi32!EventSetInformation
ws2_32!GetAddrInfoExCancel
ws2_32!GetAddrInfoExOverlappedResult
ws2_32!ProcessSocketNotifications
bcrypt!BCryptCreateMultiHash
bcrypt!BCryptProcessMultiOperations
bcrypt!BCryptHash
bcrypt!BCryptKeyDerivation
'

exports() { # PREFIX DLL
    local lib=/usr/$1/lib/lib$2.a
    [ -f "$lib" ] || return 0
    "$1-nm" "$lib" 2>/dev/null | sed -n 's/^[0-9a-f]* I __imp_//p' |
        sed -e 's/^_//' -e 's/@[0-9]*$//' | sed "s/^/$2!/"
}

{
    cat <<'HEAD'
# Functions the Windows DLLs of the add-in may import: DLL!function, one a line (Windows 7 SP1 /
# Windows Server 2008 R2 SP1 and later). Made by tests/platforms/make-windows7-exports.sh from
# Debian 12's mingw-w64 import libraries minus a hand list of functions that need Windows 8 or
# later (Microsoft's "Minimum supported client"); read that script for the method and its
# limits. Checked by tests/platforms.rs against the import tables of both shipped DLLs.
HEAD
    for dll in "${dlls[@]}"; do
        { exports x86_64-w64-mingw32 "$dll"; exports i686-w64-mingw32 "$dll"; } |
            grep -vxF -f <(grep -v '^$' <<<"$post_win7") | sort -u
    done
} >windows7-sp1-exports.txt
echo "windows7-sp1-exports.txt: $(grep -vc '^#' windows7-sp1-exports.txt) functions"
