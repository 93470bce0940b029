# A two-stage build whose final stage sets no USER: it runs as the base image's user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -q -DskipTests package

FROM eclipse-temurin:17.0.12_7-jre
WORKDIR /app
ENV TOMCAT_PASSWORD="" \
    DB_PASSWORD_FILE=/run/secrets/db_password \
    NSS_WRAPPER_PASSWD=/tmp/passwd \
    SSH_AUTH_SOCK=/run/ssh-agent.sock
ENV ADMIN_PASSWORD=changeit
COPY --from=build /src/target/petclinic.jar /app/app.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
