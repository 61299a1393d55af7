/**
 * Which paths a unit's sandboxing hides from the service. PrivateTmp=yes gives a service its own empty
 * /tmp and /var/tmp; ProtectHome=yes hides /home, /root and /run/user. A checkout, node binary or
 * WAREHOUSE_HOME under those is simply not there when the timer fires. One rule for both the
 * installer's warnings and the doctor's check of the installed units.
 */

export interface Sandbox {
  privateTmp: boolean;
  protectHome: boolean;
}

/** The sandbox settings a unit file (with sandbox.conf inlined) turns on. */
export function sandboxOf(unitText: string): Sandbox {
  return {
    privateTmp: /^PrivateTmp=(yes|true|disconnected)$/mu.test(unitText),
    protectHome: /^ProtectHome=(yes|true|tmpfs)$/mu.test(unitText),
  };
}

/** Why the sandbox hides this path from the service, or undefined when the service sees it. */
export function hiddenBySandbox(file: string, sandbox: Sandbox): string | undefined {
  if (sandbox.privateTmp && /^\/(tmp|var\/tmp)(\/|$)/u.test(file)) return 'PrivateTmp=yes hides it from the services (each gets its own empty /tmp)';
  if (sandbox.protectHome && /^\/(home|root|run\/user)(\/|$)/u.test(file)) return 'ProtectHome=yes hides it from the services';
  return undefined;
}
