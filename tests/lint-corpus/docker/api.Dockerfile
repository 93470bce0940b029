# syntax=docker/dockerfile:1.7
ARG JDK_TAG=17.0.9_9
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml .
RUN --mount=type=cache,target=/root/.m2 mvn -q dependency:go-offline
COPY src ./src
RUN <<EOF
set -e
mvn -q -DskipTests package
# a heredoc line that looks like an instruction must not count:
USER root
EOF

FROM eclipse-temurin:${JDK_TAG}-jre AS runtime
ARG APP_VERSION=1.0.0
ENV APP_HOME=/opt/api \
    API_TOKEN=changeme \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
WORKDIR $APP_HOME
COPY --from=build /src/target/api-${APP_VERSION}.jar app.jar
USER root
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/opt/api/app.jar"]
