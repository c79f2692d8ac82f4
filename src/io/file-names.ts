/**
 * The names Wirenix gives the files and directories it writes. Configurers check the names they
 * make against it, and the out-dir's records are read back only when every name still fits.
 */

/** A file or directory name that is safe on every system we write for. */
export const SAFE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+@=-]*$/;
