// Generation sessions of one model worker, least recently used first, within a memory cap: each holds
// one KVCache per layer (model.sessionBytes). A new session evicts the least recently used idle ones
// until it fits; an evicted session's caches are reset and handed to the next new session (slots are
// reused, not reallocated). A session that is generating is never evicted.
import { randomUUID } from 'node:crypto';

export class SessionStore {
  /** model: a TinyModel; memoryCap: bytes all sessions' caches may take; prefix: starts every id (the worker's). */
  constructor(model, memoryCap, prefix = '') {
    this.model = model;
    this.capacity = Math.floor(memoryCap / model.sessionBytes);
    if (this.capacity < 1)
      throw new RangeError(`memoryCap ${memoryCap} B holds no session (one takes ${model.sessionBytes} B)`);
    this.prefix = prefix;
    /** id → session; Map order is the LRU order (first = least recently used). */
    this.sessions = new Map();
    this.free = [];
    this.evictions = 0;
  }

  /** The session, now the most recently used, or undefined when unknown (evicted or never made). */
  get(id) {
    const s = this.sessions.get(id);
    if (s) {
      this.sessions.delete(id);
      this.sessions.set(id, s);
    }
    return s;
  }

  /** A new empty session, or null when every slot belongs to a busy session. */
  create() {
    if (this.sessions.size >= this.capacity) {
      const victim = [...this.sessions.values()].find((s) => !s.busy);
      if (!victim) return null;
      this.sessions.delete(victim.id);
      this.free.push(victim.caches);
      this.evictions++;
    }
    const caches = this.free.pop() ?? this.model.newCaches();
    for (const cache of caches) cache.reset();
    // pending: the last token generated, not yet fed to the caches (the next request's first input).
    const s = { id: `${this.prefix}${randomUUID()}`, caches, pending: null, busy: false };
    this.sessions.set(s.id, s);
    return s;
  }

  /** Positions of the context a session has used (its caches' length). */
  used(s) {
    return s.caches[0].lengths[0];
  }

  stats() {
    return {
      sessions: this.sessions.size,
      capacity: this.capacity,
      evictions: this.evictions,
      bytes: this.sessions.size * this.model.sessionBytes,
    };
  }
}
