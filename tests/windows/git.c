/* git.exe for the Windows python under wine: Linux's git cannot be started from a Windows process
 * (wine 8's CreateProcess of an ELF file gives no process handle), so this stand-in hands its command
 * line, current folder and environment to gitrelay.py (a Linux process started by tests/windows/run,
 * listening on 127.0.0.1:%VTWINE_GIT_PORT%), which runs /usr/bin/git and sends back its stdout,
 * stderr and exit code. Standard input is not forwarded (git gets /dev/null). */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *buffer;
static size_t used, size;

static void put(const char *data, size_t length)
{
    if (used + length > size) {
        size = (used + length) * 2 + 4096;
        buffer = realloc(buffer, size);
        if (!buffer) ExitProcess(125);
    }
    memcpy(buffer + used, data, length);
    used += length;
}

static void put_wide(const wchar_t *text)  /* as UTF-8, with its NUL */
{
    int length = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *utf8 = malloc(length > 0 ? length : 1);
    WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, length, NULL, NULL);
    put(utf8, length > 0 ? (size_t)length : 0);
    free(utf8);
}

static void fail(const char *message)
{
    DWORD written;
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    WriteFile(err, "git.exe (vaulttool wine shim): ", 31, &written, NULL);
    WriteFile(err, message, (DWORD)strlen(message), &written, NULL);
    WriteFile(err, "\n", 1, &written, NULL);
    ExitProcess(125);
}

static int receive(SOCKET s, char *data, int length)
{
    while (length > 0) {
        int got = recv(s, data, length, 0);
        if (got <= 0) return 0;
        data += got;
        length -= got;
    }
    return 1;
}

/* argv as the C runtime splits the command line: the rules Python's subprocess.list2cmdline quotes for. */
int wmain(int argc, wchar_t **argv)
{
    wchar_t port_text[16], cwd[32768];
    if (!GetEnvironmentVariableW(L"VTWINE_GIT_PORT", port_text, 16)) fail("VTWINE_GIT_PORT is not set");
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa)) fail("WSAStartup failed");
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)_wtoi(port_text));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s == INVALID_SOCKET || connect(s, (struct sockaddr *)&address, sizeof address)) fail("cannot reach gitrelay.py");

    /* The request: NUL-terminated UTF-8 strings: the folder, the number of arguments, the arguments,
     * then NAME=VALUE for each variable of the environment. */
    char count[16];
    used = 0;
    put("\0\0\0\0", 4);  /* the length, filled in below */
    GetCurrentDirectoryW(32768, cwd);
    put_wide(cwd);
    snprintf(count, sizeof count, "%d", argc - 1);
    put(count, strlen(count) + 1);
    for (int i = 1; i < argc; i++) put_wide(argv[i]);
    wchar_t *environment = GetEnvironmentStringsW();
    for (wchar_t *entry = environment; *entry; entry += wcslen(entry) + 1) put_wide(entry);
    FreeEnvironmentStringsW(environment);
    unsigned long length = (unsigned long)(used - 4);
    buffer[0] = (char)(length & 0xff); buffer[1] = (char)((length >> 8) & 0xff);
    buffer[2] = (char)((length >> 16) & 0xff); buffer[3] = (char)((length >> 24) & 0xff);
    for (size_t sent = 0; sent < used;) {
        int n = send(s, buffer + sent, (int)(used - sent) > 65536 ? 65536 : (int)(used - sent), 0);
        if (n <= 0) fail("send failed");
        sent += (size_t)n;
    }

    /* The answer: frames of a kind byte (1 stdout, 2 stderr, 3 exit code) and a 4-byte length. */
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), err = GetStdHandle(STD_ERROR_HANDLE);
    static char frame[65536];
    for (;;) {
        unsigned char head[5];
        if (!receive(s, (char *)head, 5)) fail("the relay closed the connection");
        unsigned long n = head[1] | (head[2] << 8) | (head[3] << 16) | ((unsigned long)head[4] << 24);
        if (n > sizeof frame) fail("frame too long");
        if (!receive(s, frame, (int)n)) fail("the relay closed the connection");
        if (head[0] == 3) {
            int code = (unsigned char)frame[0] | ((unsigned char)frame[1] << 8);
            closesocket(s);
            ExitProcess((UINT)code);
        }
        DWORD written;
        for (DWORD done = 0; done < n; done += written)
            if (!WriteFile(head[0] == 1 ? out : err, frame + done, n - done, &written, NULL)) break;
    }
}
