// The job of `npm run bench -- --cli`: a tiny function of one JSON item.
export function square(item) {
  return item.n * item.n;
}
