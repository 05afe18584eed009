/**
 * The listening sockets of a process tree, read from /proc: each process's socket inodes
 * (/proc/<pid>/fd → `socket:[inode]`) matched against /proc/<pid>/net/{tcp,tcp6,udp,udp6}.
 * TCP counts in state LISTEN; UDP counts when bound to a port with no connected peer.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { processTree } from '../../local/local-process.js';

export interface ListeningSocket {
  pid: number;
  /** The process's command name (/proc/<pid>/comm), e.g. `node` or `java`. */
  command: string;
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

export function listeningSockets(rootPid: number): ListeningSocket[] {
  return processTree(rootPid).flatMap((pid) => {
    const inodes = socketInodes(pid);
    if (inodes.size === 0) return [];
    const command = read(`/proc/${pid}/comm`).trim();
    return (['tcp', 'tcp6', 'udp', 'udp6'] as const).flatMap((protocol) =>
      read(`/proc/${pid}/net/${protocol}`)
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((f) => f.length > 9 && inodes.has(f[9]!) && isListening(protocol, f[2]!, f[3]!))
        .map((f) => ({ pid, command, protocol, ...decodeEndpoint(f[1]!) })),
    );
  });
}

function isListening(protocol: ListeningSocket['protocol'], remote: string, state: string): boolean {
  if (protocol.startsWith('tcp')) return state === TCP_LISTEN;
  return state === UDP_UNCONNECTED && /^0+:0000$/.test(remote);
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes; // the process ended while we looked
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the descriptor closed while we looked
    }
  }
  return inodes;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** `0100007F:1F90` → 127.0.0.1:8080; IPv6 as four little-endian 32-bit words. */
export function decodeEndpoint(hex: string): { address: string; port: number } {
  const [addressHex, portHex] = hex.split(':') as [string, string];
  const port = parseInt(portHex, 16);
  const bytes = (addressHex.match(/../g) ?? []).map((b) => parseInt(b, 16));
  const words = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.slice(i * 4, i * 4 + 4).reverse());
  const ordered = words.flat();
  if (ordered.length === 4) return { address: ordered.join('.'), port };
  const groups = Array.from({ length: 8 }, (_, i) => ((ordered[i * 2]! << 8) | ordered[i * 2 + 1]!).toString(16));
  return { address: groups.join(':'), port };
}
