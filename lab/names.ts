import { HavocError } from '../core/errors.js';

/*
 * Every kernel object a lab creates carries the lab's name, so two labs (and
 * anything else on the machine) never collide. Interface names are limited to
 * 15 characters, which bounds the lab name.
 */

const LAB_NAME = /^[a-z][a-z0-9]{0,7}$/;

export function checkLabName(name: string): string {
  if (!LAB_NAME.test(name)) {
    throw new HavocError('usage', `invalid lab name "${name}"`, {
      hint: '1-8 lowercase letters or digits, starting with a letter (it prefixes namespace and interface names)',
    });
  }
  return name;
}

export const switchNetns = (lab: string) => `${lab}-sw`;
export const hostNetns = (lab: string, n: number) => `${lab}-h${n}`;
export const storageNetns = (lab: string) => `${lab}-st`;
/** The management station's veth ends live in the root namespace. */
export const stationLink = (lab: string, networkKey: string) => `${lab}-${networkKey}`;
export const hostName = (n: number) => `host${n}`;
export const bridgeName = (networkKey: string) => `br-${networkKey}`;
