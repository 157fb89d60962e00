// Every Node.js pool under test, by a stable key (used by the W6 child process to find its peer).
import { multiprocPeer } from "./multiproc.ts";
import { piscinaPeer } from "./piscina.ts";
import { tinypoolPeer } from "./tinypool.ts";
import { workerpoolPeer } from "./workerpool.ts";
import type { Peer } from "./types.ts";

export const peerFactories: Record<string, () => Peer> = {
  "multiproc-thread": () => multiprocPeer("thread"),
  "multiproc-process": () => multiprocPeer("process"),
  "piscina-thread": () => piscinaPeer(),
  "tinypool-thread": () => tinypoolPeer("thread"),
  "tinypool-process": () => tinypoolPeer("process"),
  "workerpool-thread": () => workerpoolPeer("thread"),
  "workerpool-process": () => workerpoolPeer("process"),
};

export function makePeer(key: string): Peer {
  const factory = peerFactories[key];
  if (factory === undefined) throw new Error(`unknown peer ${key}`);
  return factory();
}
