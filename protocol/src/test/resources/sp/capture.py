#!/usr/bin/env python3
"""Captures the bytes libnng's nngcat sends, as hex fixtures for the SP codec tests.

Run from this directory: python3 capture.py  (needs nngcat from Debian's nng-utils)
"""
import socket, subprocess, sys, time

def version():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "nng-utils"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"

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

def write(name, command, data):
    with open(name, "w") as f:
        f.write("# " + command + "  (nng-utils " + version() + ")\n")
        f.write(data.hex(" ") + "\n")

def capture_push():
    s, port = listen()
    command = "nngcat --push --dial tcp://127.0.0.1:%d --data job-1" % port
    p = subprocess.Popen(command.split())
    conn, _ = s.accept()
    conn.sendall(bytes([0, 0x53, 0x50, 0, 0, 0x51, 0, 0]))  # we are pull0
    data = read_all(conn, 2)
    p.wait()
    write("push0-job-1.hex", command, data)

def capture_pub():
    s, port = listen()
    command = "nngcat --pub --listen tcp://127.0.0.1:%d --data news/hello --interval 1 --count 2" % port
    s.close()
    p = subprocess.Popen(command.split())
    time.sleep(0.5)
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(bytes([0, 0x53, 0x50, 0, 0, 0x21, 0, 0]))  # we are sub0
    data = read_all(c, 3)
    p.wait()
    write("pub0-news-hello.hex", command, data)

def capture_sub():
    s, port = listen()
    command = "nngcat --sub --dial tcp://127.0.0.1:%d --subscribe news/ --count 1 --recv-timeout 2" % port
    p = subprocess.Popen(command.split(), stdout=subprocess.DEVNULL)
    conn, _ = s.accept()
    conn.sendall(bytes([0, 0x53, 0x50, 0, 0, 0x20, 0, 0]))  # we are pub0
    data = read_all(conn, 1)
    p.kill()
    write("sub0-header.hex", command, data)

capture_push()
capture_pub()
capture_sub()
