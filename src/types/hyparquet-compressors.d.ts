// hyparquet-compressors ships JavaScript without type declarations.
declare module 'hyparquet-compressors' {
  import type { Compressors } from 'hyparquet';
  export const compressors: Compressors;
}
