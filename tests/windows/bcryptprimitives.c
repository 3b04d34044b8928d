/* wine 8.0 ships no bcryptprimitives.dll; Rust's standard library (in rpds-py, which jsonschema
 * imports) asks it for ProcessPrng. This stand-in answers from RtlGenRandom (advapi32's
 * SystemFunction036), which wine has. Built by tests/windows/run with mingw-w64. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
