import type { Digest } from '../../lib/digest.js';

/** A container that uses an image, as image removal needs to know it. */
export interface ImageUser {
  /** The container's full ID. */
  id: string;
  running: boolean;
}

/**
 * Which containers use which images. The containers subsystem implements it; the image service
 * asks it before removing an image (Docker's 409 conflicts) and for the `Containers` counts of
 * `system df`. {@link noImageUsage} stands in until containers exist.
 */
export interface ImageUsage {
  /** Containers whose image is `id`, running ones first. */
  usersOf(id: Digest): ImageUser[];
}

/** The usage of an engine with no containers subsystem: nobody uses any image. */
export const noImageUsage: ImageUsage = {
  usersOf: () => [],
};
