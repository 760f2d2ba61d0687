import type { Server } from 'node:http';

/**
 * Caps the connections one client address may hold open at once; one more is closed as it opens.
 * Slow or idle connections cost the server a file descriptor each, so without a cap one client can
 * use them all and the server refuses everyone (health checks included). Behind a proxy every
 * client shares the proxy's address: raise the cap there (SHIPSHAPE_MAX_CONNECTIONS_PER_ADDRESS).
 */
export function capConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
