package io.finchconnect.finch.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.annotation.ClientHeaderParam;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;
import io.smallrye.mutiny.Uni;

/**
 * Finch's HTTP API as a reactive REST client. Use it through {@link FinchGateway}, which adds timeouts, retries
 * and the circuit breaker; the {@code Authorization} values are built there.
 */
@Path("")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
@ClientHeaderParam(name = "Finch-API-Version", value = "${finch.api-version}")
public interface FinchClient {

    @POST
    @Path("/connect/sessions")
    Uni<ConnectSession> createSession(@HeaderParam(HttpHeaders.AUTHORIZATION) String basicAuthorization,
                                      ConnectSessionRequest request);

    @POST
    @Path("/connect/sessions/reauthenticate")
    Uni<ConnectSession> createReauthSession(@HeaderParam(HttpHeaders.AUTHORIZATION) String basicAuthorization,
                                            ReauthSessionRequest request);

    @POST
    @Path("/auth/token")
    Uni<AccessTokenGrant> exchangeCode(TokenExchangeRequest request);

    @GET
    @Path("/introspect")
    Uni<Introspection> introspect(@HeaderParam(HttpHeaders.AUTHORIZATION) String bearerAuthorization);

    @POST
    @Path("/disconnect")
    Uni<DisconnectResult> disconnect(@HeaderParam(HttpHeaders.AUTHORIZATION) String bearerAuthorization);

    @POST
    @Path("/disconnect-entity")
    Uni<DisconnectResult> disconnectEntity(@HeaderParam(HttpHeaders.AUTHORIZATION) String bearerAuthorization,
                                           DisconnectEntityRequest request);

    @ClientExceptionMapper
    static RuntimeException toFailure(Response response) {
        return FinchResponses.failureOf(response);
    }
}
