import { steady, type LoadContext } from './context.js';

const USERS = ['admin', 'accountant', 'manager', 'cfo', 'resident'] as const;

/** Sign in as a demo user, then refresh the session twice (each refresh token works once). */
export async function signInFlow(ctx: LoadContext, everyMs: number, password: string): Promise<void> {
  await steady(ctx, everyMs, async (i) => {
    const email = `${USERS[i % USERS.length]}@demo.dhanman.local`;
    const login = await ctx.client.call({
      flow: 'signIns',
      op: 'login',
      base: ctx.url('common'),
      method: 'POST',
      path: '/api/auth/login',
      body: { email, password },
    });
    if (login?.status !== 200) return;
    ctx.history.signIns++;
    let refreshToken = login.body.refreshToken as string;
    for (let r = 0; r < 2; r++) {
      const res = await ctx.client.call({
        flow: 'signIns',
        op: 'refresh',
        base: ctx.url('common'),
        method: 'POST',
        path: '/api/auth/refresh',
        body: { refreshToken },
      });
      if (res?.status !== 200) return;
      refreshToken = res.body.refreshToken as string;
    }
  });
}
