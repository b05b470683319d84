import { StackContext } from '../constructs/lib/context';

/** Node bootstrap files under dist/bootstrap/ (being built). */
export function addBootstrapFiles(_ctx: StackContext): void {}
