// class-transformer ships its metadata storage (where @Type records nested DTO classes) without a declaration
// for this entry point; the validation pipe reads nested types from it.
declare module 'class-transformer/cjs/storage' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
  export const defaultMetadataStorage: MetadataStorage;
}
