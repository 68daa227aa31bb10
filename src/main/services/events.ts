/**
 * The event sink between the services and the transports: services `emit`, each transport subscribes
 * once (Electron: webContents.send to every window; browser mode: every authenticated WebSocket).
 * A throwing listener never breaks a call or the other listeners.
 */
import type { EventName, WorkbenchEvents } from '../../shared/api';

export type EventListener = <E extends EventName>(event: E, data: WorkbenchEvents[E]) => void;

export interface WorkbenchEventHub {
  emit<E extends EventName>(event: E, data: WorkbenchEvents[E]): void;
  /** returns the unsubscribe function */
  subscribe(listener: EventListener): () => void;
  readonly listenerCount: number;
}

export function createEventHub(onListenerError: (e: unknown) => void = (e) => console.error('[workbench] event listener failed:', e)): WorkbenchEventHub {
  const listeners = new Set<EventListener>();
  return {
    emit(event, data) {
      for (const l of [...listeners]) {
        try {
          l(event, data);
        } catch (e) {
          onListenerError(e);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}
