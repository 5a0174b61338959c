/** The OpenAPI 3.1 description of the payments API, with the server URL this gateway is reached at. */
export function openApiDocument(publicBaseUrl: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'Card capture gateway API', version: '0.1.0' },
    servers: [{ url: publicBaseUrl }],
    paths: {},
  };
}
