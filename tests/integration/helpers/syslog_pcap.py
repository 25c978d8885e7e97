#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Datagrams, one per line of a file (as helpers/udp_receiver.py --out writes them), into a
pcap file of raw IPv4/UDP packets to port 514, for Wireshark's syslog dissector (tshark -r).

  syslog_pcap.py IN OUT
"""
import struct
import sys

LINKTYPE_RAW = 101


def packet(n, payload):
    udp = struct.pack("!HHHH", 40000, 514, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return ip + udp


def main():
    with open(sys.argv[1], "rb") as f:
        lines = f.read().split(b"\n")[:-1]
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_RAW))
        for n, line in enumerate(lines):
            p = packet(n, line)
            out.write(struct.pack("<IIII", n, 0, len(p), len(p)) + p)


main()
