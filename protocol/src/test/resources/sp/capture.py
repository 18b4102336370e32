#!/usr/bin/env python3
"""Captures the bytes libnng sends, as hex fixtures for the SP codec tests.

Run from this directory: python3 capture.py  (needs nngcat from Debian's nng-utils, which brings
libnng1; nngcat has no bus0, so the bus0 socket is libnng's own, driven through ctypes)
"""
import ctypes, socket, subprocess, threading, time

def version(package):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"

def header(protocol_id):
    return bytes([0, 0x53, 0x50, 0, 0, protocol_id, 0, 0])

def listen():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s, s.getsockname()[1]

def read_all(conn, seconds):
    conn.settimeout(seconds)
    data = b""
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data

def write(name, source, data):
    with open(name, "w") as f:
        f.write("# " + source + "\n")
        f.write(data.hex(" ") + "\n")

def nngcat(command):
    return command + "  (nng-utils " + version("nng-utils") + ")"

def capture_dialer(name, command, answer):
    """nngcat dials us; we answer with the complementary header and record what it sends."""
    s, port = listen()
    command = command % port
    p = subprocess.Popen(command.split(), stdout=subprocess.DEVNULL)
    conn, _ = s.accept()
    conn.sendall(header(answer))
    data = read_all(conn, 2)
    p.kill()
    p.wait()
    write(name, nngcat(command), data)

def capture_listener(name, command, answer, seconds):
    """nngcat listens; we dial it, send our header and record what it sends."""
    s, port = listen()
    s.close()
    command = command % port
    p = subprocess.Popen(command.split(), stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(header(answer))
    data = read_all(c, seconds)
    p.kill()
    p.wait()
    write(name, nngcat(command), data)

class NngSocket(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint32)]

def capture_bus():
    nng = ctypes.CDLL("libnng.so.1")
    s, port = listen()
    url = "tcp://127.0.0.1:%d" % port

    def dial_and_send():
        sock = NngSocket()
        assert nng.nng_bus0_open(ctypes.byref(sock)) == 0
        assert nng.nng_dial(sock, url.encode(), None, 0) == 0
        assert nng.nng_send(sock, b"bus-hello", 9, 0) == 0
        time.sleep(0.5)
        nng.nng_close(sock)

    dialer = threading.Thread(target=dial_and_send)
    dialer.start()
    conn, _ = s.accept()
    conn.sendall(header(0x70))  # we are bus0
    data = read_all(conn, 2)
    dialer.join()
    source = "libnng bus0 socket (ctypes): nng_bus0_open, nng_dial %s, nng_send \"bus-hello\"" % url
    write("bus0-bus-hello.hex", source + "  (libnng1 " + version("libnng1") + ")", data)

capture_dialer("push0-job-1.hex", "nngcat --push --dial tcp://127.0.0.1:%d --data job-1", 0x51)
capture_dialer("pair1-hi-pair1.hex", "nngcat --pair1 --dial tcp://127.0.0.1:%d --data hi-pair1", 0x11)
capture_dialer(
    "sub0-header.hex",
    "nngcat --sub --dial tcp://127.0.0.1:%d --subscribe news/ --count 1 --recv-timeout 2",
    0x20)
capture_listener(
    "pub0-news-hello.hex",
    "nngcat --pub --listen tcp://127.0.0.1:%d --data news/hello --interval 1 --count 2",
    0x21, 3)
capture_listener(
    "pull0-header.hex", "nngcat --pull --listen tcp://127.0.0.1:%d --count 1 --recv-timeout 2", 0x50, 1)
capture_bus()
