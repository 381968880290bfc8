import { type Digest, sha256 } from '../../lib/digest.js';

/**
 * ChainIDs of a layer stack (OCI image-spec config.md): ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). Snapshots are keyed by them, so a layer
 * shared by two images on the same parents is stored once.
 */
export function chainIDs(diffIDs: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIDs) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}

/** The ChainID of the whole stack, or undefined for an image with no layers. */
export function chainID(diffIDs: readonly Digest[]): Digest | undefined {
  return chainIDs(diffIDs).at(-1);
}
