// Toxiproxy's error shape, `{"error": "...", "status": N}`, with its status codes: 400 bad input,
// 404 unknown proxy or toxic, 409 a name already taken, 500 anything else (a port in use).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export const badRequest = (why: string): ApiError => new ApiError(400, `bad request body: ${why}`);
export const missingField = (field: string): ApiError =>
  new ApiError(400, `missing required field: ${field}`);
export const proxyNotFound = (): ApiError => new ApiError(404, 'proxy not found');
export const proxyExists = (): ApiError => new ApiError(409, 'proxy already exists');
export const toxicNotFound = (): ApiError => new ApiError(404, 'toxic not found');
export const toxicExists = (): ApiError => new ApiError(409, 'toxic already exists');
export const badStream = (): ApiError =>
  new ApiError(400, 'stream was invalid, can be either upstream or downstream');
