// The CSP forbids eval, so zod must not compile its fast parsers (nor probe whether it may:
// a caught probe is still reported as a violation). Import this before any schema is built.
import { z } from 'zod';

z.config({ jitless: true });
