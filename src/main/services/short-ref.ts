// The 8 characters of an id the UI shows, which every verb accepts (see resolve.ts).
export const shortRef = (id: string) => id.slice(0, 8);
