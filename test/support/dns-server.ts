/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) for resolver tests: answers A and AAAA
 * queries from a fixed table, NXDOMAIN for unknown names, and never answers names listed as
 * silent. It counts every query it receives. Tests never query a real resolver.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import ipaddr from 'ipaddr.js';

export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
}

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for `setServers`. */
  readonly address: string;
  /** Every query received, as `name TYPE`. */
  readonly queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

export async function startDnsServer(zone: Record<string, DnsRecords>, silent: string[] = []): Promise<TestDnsServer> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, remote) => {
    const question = parseQuestion(message);
    if (!question) return;
    queries.push(`${question.name} ${question.type === TYPE_A ? 'A' : question.type === TYPE_AAAA ? 'AAAA' : question.type}`);
    if (silent.includes(question.name)) return;
    socket.send(answer(message, question, zone[question.name]), remote.port, remote.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

interface Question {
  name: string;
  type: number;
  /** Offset just past the question (QNAME, QTYPE, QCLASS). */
  end: number;
}

function parseQuestion(message: Buffer): Question | undefined {
  const labels: string[] = [];
  let offset = 12;
  while (offset < message.length && message[offset] !== 0) {
    const length = message[offset]!;
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += length + 1;
  }
  if (offset + 5 > message.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(offset + 1), end: offset + 5 };
}

function answer(query: Buffer, question: Question, records: DnsRecords | undefined): Buffer {
  const addresses = question.type === TYPE_A ? (records?.A ?? []) : question.type === TYPE_AAAA ? (records?.AAAA ?? []) : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8180 | (records ? 0 : 3), 2); // response, recursion desired+available, NOERROR or NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((address) => {
    const data = Buffer.from(ipaddr.parse(address).toByteArray());
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(question.type, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(60, 6); // TTL
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}
