// Reading a configuration file through ProjectFiles: bytes when the source has them (decoded as
// strict UTF-8 by yaml-load.ts, so an invalid byte is reported), text otherwise.
import type { ProjectFiles } from './plan.js';

export function readSource(files: ProjectFiles, path: string): string | Uint8Array | undefined {
  return files.readBytes ? files.readBytes(path) : files.read(path);
}

export function isBlank(text: string | Uint8Array): boolean {
  if (typeof text === 'string') return text.trim() === '';
  return text.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09);
}
